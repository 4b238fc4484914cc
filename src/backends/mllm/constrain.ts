// Keeping the answer inside the label set, in each engine's own dialect. What reaches the server:
// - guided_choice: vLLM's extra parameter (SGLang accepts `regex`/`json_schema` instead; use those);
// - json_schema:   OpenAI's `response_format` with an enum (vLLM, SGLang, LMDeploy, llama.cpp,
//                  Ollama ≥ 0.5); the answer is then `{"label": "..."}`;
// - grammar:       a GBNF grammar, one alternative per label (llama.cpp server);
// - none:          nothing; the answer is mapped back by matchLabel.
export const CONSTRAINTS = ['guided_choice', 'json_schema', 'grammar', 'none'] as const;
export type Constraint = (typeof CONSTRAINTS)[number];

/** The request fields that constrain the answer to `choices`. */
export function constraintFields(constraint: Constraint, choices: readonly string[]): Record<string, unknown> {
  switch (constraint) {
    case 'guided_choice':
      return { guided_choice: [...choices] };
    case 'json_schema':
      return {
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'label',
            strict: true,
            schema: { type: 'object', properties: { label: { type: 'string', enum: [...choices] } }, required: ['label'], additionalProperties: false },
          },
        },
      };
    case 'grammar':
      return { grammar: choiceGrammar(choices) };
    case 'none':
      return {};
  }
}

/** GBNF: `root ::= "a" | "b"`, each label a quoted literal. */
export function choiceGrammar(choices: readonly string[]): string {
  const literal = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  return `root ::= ${choices.map(literal).join(' | ')}`;
}
