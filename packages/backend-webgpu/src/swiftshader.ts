import { isNode, nodeModules } from './node-environment.js';

/**
 * SwiftShader, Chrome's CPU implementation of Vulkan, as a Chromium install carries it: the ICD
 * manifest the Vulkan loader reads, and the Vulkan loader shipped beside it (Debian's `chromium`
 * has `/usr/lib/chromium/libvulkan.so.1` even where the system has no `libvulkan1`).
 */
export interface SwiftShaderInstall {
  /** `vk_swiftshader_icd.json`. */
  icdFile: string;
  /** Chromium's own `libvulkan.so.1`, when it has one. */
  vulkanLoader?: string;
}

/** The environment variables the Vulkan loader reads its ICD list from (the second is the newer name). */
export const VULKAN_ICD_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] as const;

/**
 * Where Chromium and Chrome install SwiftShader's ICD on Linux: Debian and Ubuntu's `chromium`
 * (`dpkg -L chromium-common`), Fedora's `chromium`, older Ubuntu and Arch packages, Google Chrome.
 */
export const SWIFTSHADER_ICD_LOCATIONS: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/** The first SwiftShader found at the known locations (Linux only), or undefined. */
export function findSwiftShader(
  locations: readonly string[] = SWIFTSHADER_ICD_LOCATIONS,
): SwiftShaderInstall | undefined {
  if (!isNode() || process.platform !== 'linux') return undefined;
  const { fs, path } = nodeModules();
  for (const icdFile of locations) {
    if (!fs.existsSync(icdFile)) continue;
    const loader = path.join(path.dirname(icdFile), 'libvulkan.so.1');
    return fs.existsSync(loader) ? { icdFile, vulkanLoader: loader } : { icdFile };
  }
  return undefined;
}

/** True when the user already chose the Vulkan drivers (then this package never changes them). */
export function vulkanDriversChosen(): boolean {
  return VULKAN_ICD_VARIABLES.some((name) => (process.env[name] ?? '') !== '');
}

// glibc's RTLD_NODELETE: keep the library loaded after process.dlopen gives up on it.
const RTLD_NODELETE = 0x1000;

/**
 * Points the Vulkan loader at SwiftShader for the Dawn instances created from now on. The loader
 * reads `VK_ICD_FILENAMES` when an instance is created, so setting it at run time works. Nothing
 * is changed when the user has chosen drivers (`VK_ICD_FILENAMES`, `VK_DRIVER_FILES`). Chromium's own Vulkan loader is loaded into the process
 * when it has one: Dawn opens `libvulkan.so.1` by name, and once a library with that soname is
 * loaded, the dynamic linker hands that one out, so Dawn finds a loader even where the system has
 * none (`process.dlopen` rejects it as "not a Node addon" after loading it; RTLD_NODELETE keeps it).
 */
export function useSwiftShader(install: SwiftShaderInstall): void {
  if (vulkanDriversChosen()) return;
  process.env.VK_ICD_FILENAMES = install.icdFile;
  if (install.vulkanLoader === undefined) return;
  const { os } = nodeModules();
  const flags = os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE;
  try {
    process.dlopen({ exports: {} }, install.vulkanLoader, flags);
  } catch {
    // Expected: a Vulkan loader is a shared library, not a Node addon. It stays loaded.
  }
}
