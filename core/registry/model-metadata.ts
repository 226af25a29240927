import { z } from 'zod';

/** Lifecycle stages of a registered model. */
export const MODEL_STAGES = ['candidate', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

const fileHash = z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * The `metadata.json` written beside every model: where it came from and how to feed it.
 * Loading validates it, so a hand-edited or truncated file is reported instead of half-used.
 */
export const modelMetadataSchema = z.object({
  version: z.string(),
  createdAt: z.string(),
  dataset: z.object({
    id: z.string(),
    sha256: z.string(),
    files: z.array(fileHash).optional(),
  }),
  split: z.object({
    seed: z.number().int(),
    validationFraction: z.number(),
    /** Share held out for test in a folder data set; Fashion-MNIST uses its official test images. */
    testFraction: z.number().optional(),
    /** Saved split file of a folder data set. */
    file: z.string().optional(),
  }),
  preprocessing: z.object({
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channels: z.number().int().positive(),
    scale: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  }),
  classNames: z.array(z.string()).min(2),
  /** Warnings of the data validation step; faults above their limits stop training, so none are errors. */
  dataValidation: z
    .object({
      warnings: z.array(z.object({ check: z.string(), split: z.string().nullable(), count: z.number(), message: z.string() })),
    })
    .optional(),
  /** File name, among `files`, of the training data's reference profile for drift monitoring. */
  referenceProfile: z.string().optional(),
  /** Why training stopped: completed, early_stopping or time_budget. */
  stopReason: z.string().optional(),
  /** The versions whose predictions this model averages, when it is an ensemble. */
  ensembleOf: z.array(z.string()).optional(),
  /** The tracked run that trained the model. */
  runId: z.number().int().optional(),
  architecture: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  metrics: z.object({
    validation: z.object({
      accuracy: z.number(),
      macroF1: z.number(),
      logLoss: z.number(),
      count: z.number().int(),
    }),
    bestEpoch: z.number().int(),
    history: z.array(z.record(z.string(), z.number())),
  }),
  backend: z.string(),
  trainingTimeMs: z.number(),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  /** SHA-256 of the model's own files (`model.json`, weights). */
  files: z.array(fileHash).min(1),
  /** The version whose weights this one was derived from, as by quantization; absent for a trained model. */
  parentVersion: z.string().optional(),
  /**
   * Storage type of quantized weights. TensorFlow.js dequantizes them to float32 on load, so a
   * quantized version predicts like any other and only its files are smaller.
   */
  quantization: z
    .object({
      dtype: z.enum(['float16', 'uint8']),
      /** Bytes of `weights.bin` before quantization. */
      originalWeightBytes: z.number().int().nonnegative(),
    })
    .optional(),
  /** Temperature scaling fitted on the validation split: divide the logits by `temperature` before softmax. */
  calibration: z
    .object({
      method: z.literal('temperature-scaling'),
      temperature: z.number().positive(),
      validationCount: z.number().int().positive(),
      /** Expected calibration error on the validation split before and after scaling, 15 equal-width bins. */
      expectedCalibrationErrorBefore: z.number().nonnegative(),
      expectedCalibrationErrorAfter: z.number().nonnegative(),
      fittedAt: z.string(),
    })
    .optional(),
});

export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
