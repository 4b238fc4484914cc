// The `--backend` options shared by predict and classify, and their reading into a BackendSelection.
import { Option, type Command } from 'commander';
import { BACKENDS, type BackendName, type BackendSelection } from '../backends/select.js';
import { CONSTRAINTS, type Constraint } from '../backends/mllm/constrain.js';
import { intOption } from './number-option.js';

export interface BackendFlags {
  backend: BackendName;
  endpoint?: string;
  model?: string;
  modelDir?: string;
  adapterDir?: string;
  constrain?: Constraint;
  hierarchical?: boolean;
  ensembleEmbedded?: boolean;
  mllmTimeoutMs?: string;
  mllmConcurrency?: string;
}

/** Adds the backend options; `withModel` false when the command already has its own `--model`. */
export function addBackendOptions(cmd: Command, options: { withModel?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--backend <name>', 'which recognisers answer').choices([...BACKENDS]).default('embedded'))
    .option('--endpoint <url>', 'mllm: OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (API key from ECOMMIR_MLLM_API_KEY)');
  if (options.withModel !== false) cmd.option('--model <name>', 'mllm: the model name the server serves (a LoRA adapter: its name)');
  return cmd
    .option('--model-dir <dir>', 'clip: CLIP / Chinese-CLIP folder (transformers.js layout)')
    .option('--adapter-dir <dir>', 'clip: a trained adapter folder (zero-shot without)')
    .addOption(new Option('--constrain <how>', 'mllm: how the answer is held to the label set').choices([...CONSTRAINTS]).default('guided_choice'))
    .option('--hierarchical', 'mllm: ask for 粗类-细类 (as tuned with `export sft --hierarchical`)')
    .option('--ensemble-embedded', 'mllm: average the LLM with the embedded models (which also answer when the LLM answers off the label set); clip: average CLIP with them')
    .option('--mllm-timeout-ms <n>', 'mllm: one call’s deadline, ms', '60000')
    .option('--mllm-concurrency <n>', 'mllm: requests in flight (predict: in all; serve: from each task\'s recogniser in each worker)', '4');
}

export function backendSelection(flags: BackendFlags, embedded: { sceneModel?: string; intentModel?: string } = {}): BackendSelection {
  return {
    backend: flags.backend,
    ...embedded,
    endpoint: flags.endpoint,
    model: flags.model,
    apiKey: process.env.ECOMMIR_MLLM_API_KEY || undefined,
    constrain: flags.constrain,
    hierarchical: flags.hierarchical === true,
    timeoutMs: intOption(flags.mllmTimeoutMs, '--mllm-timeout-ms', { fallback: undefined }),
    concurrency: intOption(flags.mllmConcurrency, '--mllm-concurrency', { fallback: undefined }),
    modelDir: flags.modelDir,
    adapterDir: flags.adapterDir,
    ensembleWithEmbedded: flags.ensembleEmbedded === true,
  };
}
