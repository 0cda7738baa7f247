import { nodeModules } from './node-environment.js';

/** Where Linux distributions put the Vulkan loader (Debian's multiarch folders, Fedora's lib64). */
const LIBRARY_DIRECTORIES = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/local/lib',
];

/**
 * Whether Dawn can find a Vulkan loader (`libvulkan.so.1`) on Linux. Checked before Dawn is loaded
 * when backends are probed by preference: without a loader Dawn finds no adapter anyway, and it
 * would print "Couldn't load Vulkan" on every probe of every program that has this package
 * installed. Other platforms (Metal, D3D12) need no Vulkan.
 */
export function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const { fs, path } = nodeModules();
  const fromEnvironment = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((entry) => entry !== '');
  return [...fromEnvironment, ...LIBRARY_DIRECTORIES].some((directory) =>
    fs.existsSync(path.join(directory, 'libvulkan.so.1')),
  );
}
