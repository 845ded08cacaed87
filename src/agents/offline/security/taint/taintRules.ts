// One ESLint rule per taint class (`agent-orchestrator/<class>`), all answered from one analysis per file.
import type { Rule } from 'eslint';
import { field } from './ast';
import { taintFindings } from './taintAnalysis';
import { CLASS_TITLES, TAINT_CLASSES, type TaintClass } from './taintClasses';

function taintRule(taintClass: TaintClass): Rule.RuleModule {
  const options = taintClass === 'insecure-deserialization'
    ? [{ type: 'object', properties: { jsYamlMajorVersion: { type: 'integer', minimum: 0 } }, additionalProperties: false }]
    : [];
  return {
    meta: {
      type: 'problem',
      docs: { description: `${CLASS_TITLES[taintClass]}: user input must not reach this kind of sink unchecked.` },
      schema: options,
      messages: { flow: '{{text}}' },
    },
    create(context) {
      const yamlMajor = field(context.options[0], 'jsYamlMajorVersion');
      // js-yaml 4 made load() safe; an unknown version is treated as the old, unsafe one.
      const yamlSafe = typeof yamlMajor === 'number' && yamlMajor >= 4;
      return {
        'Program:exit'() {
          for (const finding of taintFindings(context.sourceCode)) {
            if (finding.taintClass !== taintClass) continue;
            if (finding.yamlVersionDependent && yamlSafe) continue;
            context.report({ node: finding.node, messageId: 'flow', data: { text: finding.message } });
          }
        },
      };
    },
  };
}

export const TAINT_RULES: Readonly<Record<TaintClass, Rule.RuleModule>> = Object.fromEntries(
  TAINT_CLASSES.map((taintClass) => [taintClass, taintRule(taintClass)]),
) as Record<TaintClass, Rule.RuleModule>;
