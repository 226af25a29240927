/** Sample sizes and attack settings of one report run. */
export interface ReportSettings {
  /** Test images per corruption and severity. */
  corruptionSample: number;
  /** Test images attacked at each epsilon. */
  adversarialSample: number;
  /** Attack radii in units of full scale (0.1 = 25.5 grey levels). */
  epsilons: number[];
  pgdSteps: number;
  /** Test images per class for the mean saliency maps. */
  saliencyPerClass: number;
  /** Test images per class for the mean occlusion maps (each costs 145 predictions). */
  occlusionPerClass: number;
  /** Test images for the region permutation importance. */
  permutationSample: number;
  permutationRepeats: number;
  /** Entries in the gallery of confident mistakes. */
  mistakeCount: number;
  /** Timed one-image predictions per variant in the size and latency comparison. */
  latencyRuns: number;
  /** Test images for the variant comparison; null for the whole test set. */
  variantSample: number | null;
  /** Seed of every sample and random corruption. */
  seed: number;
}

/**
 * The full report. On a 2-core x86_64 machine shared with other jobs, with the wasm backend and
 * the cnn-fast architecture, it ran in the time recorded in docs/model-card.md.
 */
export const FULL_REPORT_SETTINGS: ReportSettings = {
  corruptionSample: 5000,
  adversarialSample: 500,
  epsilons: [0.01, 0.02, 0.05, 0.1],
  pgdSteps: 10,
  saliencyPerClass: 100,
  occlusionPerClass: 10,
  permutationSample: 2000,
  permutationRepeats: 2,
  mistakeCount: 24,
  latencyRuns: 50,
  variantSample: null,
  seed: 1,
};

/** `--quick`: the same sections on smaller samples, for a look in about a minute. */
export const QUICK_REPORT_SETTINGS: ReportSettings = {
  corruptionSample: 1000,
  adversarialSample: 100,
  epsilons: [0.02, 0.05, 0.1],
  pgdSteps: 5,
  saliencyPerClass: 20,
  occlusionPerClass: 2,
  permutationSample: 500,
  permutationRepeats: 1,
  mistakeCount: 24,
  latencyRuns: 20,
  variantSample: 2000,
  seed: 1,
};
