import { TesseraError } from '@tessera/core';

/**
 * How one Hugging Face `model_type` is read from and written to a model directory. Each
 * `models/<architecture>/` folder registers its own, so `loadPretrained` and `savePretrained` name
 * no architecture and adding one touches its folder (and the entry that imports it).
 */
/**
 * What `loadPretrained`'s options say to every architecture: the head to build, if any. Each
 * architecture types its own options (`Options`), so this file and the model folders import nothing
 * of `pretrained.ts`, which imports their types (no cycle).
 */
export interface ArchitectureLoadOptions {
  /** The head config.json's `architectures` entry would otherwise decide, e.g. `BertForSequenceClassification`. */
  readonly architecture?: string;
}

export interface HuggingFaceArchitecture<Model = unknown, Tokenizer = unknown, Options = ArchitectureLoadOptions> {
  /** config.json's `model_type`, e.g. `gpt2`. */
  readonly modelType: string;
  /** True for the Tessera models `savePretrained` writes as this model_type. */
  isModel(model: unknown): model is Model;
  /** The tokenizer class its directories carry; `savePretrained` refuses any other. */
  readonly tokenizerClass: abstract new (
    ...args: never[]
  ) => Tokenizer;
  /** Builds the model config.json describes and loads `model.safetensors` (and the tokenizer files) into it. */
  load(
    directory: string,
    huggingFaceConfig: Record<string, unknown>,
    options: Options,
  ): Promise<{ readonly modelType: string }>;
  /** Writes config.json, model.safetensors and the tokenizer's files into an existing directory. */
  save(
    model: Model,
    directory: string,
    options: { huggingFaceConfig?: Record<string, unknown>; tokenizer?: Tokenizer },
  ): Promise<void>;
}

/** Options are each architecture's own: the registry holds them as `never` and `loadPretrained` passes the user's. */
type RegisteredArchitecture = HuggingFaceArchitecture<unknown, unknown, never>;

const architectures = new Map<string, RegisteredArchitecture>();
/** The registered model types in registration order; `supportedModelTypes` is this same array. */
export const registeredModelTypes: string[] = [];

/** Registers a model_type; registering the same definition again (a module evaluated twice) is a no-op. */
export function registerHuggingFaceArchitecture<Model, Tokenizer, Options>(
  architecture: HuggingFaceArchitecture<Model, Tokenizer, Options>,
): void {
  const existing = architectures.get(architecture.modelType);
  if (existing === (architecture as unknown as RegisteredArchitecture)) return;
  if (existing !== undefined) {
    throw new TesseraError(
      'E_HF_MODEL_TYPE',
      `Hugging Face model_type '${architecture.modelType}' is already registered`,
      { category: 'internal' },
    );
  }
  architectures.set(architecture.modelType, architecture as unknown as RegisteredArchitecture);
  registeredModelTypes.push(architecture.modelType);
}

/** The architecture registered for `modelType`, or undefined. */
export function findHuggingFaceArchitecture(modelType: unknown): RegisteredArchitecture | undefined {
  return typeof modelType === 'string' ? architectures.get(modelType) : undefined;
}

/** The architecture that writes `model`, or undefined for a model no architecture claims. */
export function huggingFaceArchitectureOfModel(model: unknown): RegisteredArchitecture | undefined {
  for (const architecture of architectures.values()) if (architecture.isModel(model)) return architecture;
  return undefined;
}
