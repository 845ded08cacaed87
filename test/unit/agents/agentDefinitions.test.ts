import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentDefinitionSchema, inferCapabilities, inferStage } from '../../../src/agents/definitions/agentDefinition';
import { loadAgentFiles } from '../../../src/agents/definitions/agentFileLoader';
import { buildAgentRoster } from '../../../src/agents/definitions/agentRegistry';
import { builtinAgents } from '../../../src/agents/definitions/builtinAgents';

async function agentsDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ao-agents-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text, 'utf8');
  return dir;
}

describe('agent definitions', () => {
  const dirs: string[] = [];
  const make = async (files: Record<string, string>): Promise<string> => {
    const dir = await agentsDir(files);
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  describe('built-in roster', () => {
    it('has the six offline agents (the seed\'s Example 2 ones included), each a valid definition with a prompt', () => {
      const agents = builtinAgents();
      assert.deepEqual(
        agents.map((a) => [a.name, a.stage, a.runtime]),
        [
          ['security-auditor', 'analysis', 'offline'],
          ['database-optimizer', 'analysis', 'offline'],
          ['backend-api-developer', 'implementation', 'offline'],
          ['frontend-builder', 'verification', 'offline'],
          ['test-suite-developer', 'verification', 'offline'],
          ['docs-writer', 'documentation', 'offline'],
        ],
      );
      for (const agent of agents) {
        assert.equal(AgentDefinitionSchema.safeParse(agent).success, true, agent.name);
        assert.ok(agent.prompt.length > 200, `${agent.name} has a real prompt`);
      }
      assert.deepEqual(agents[0].capabilities, ['security_audit', 'code_review', 'validation']);
    });
  });

  describe('loadAgentFiles', () => {
    it('loads a Claude Code subagent with tools as a comma-separated string', async () => {
      const dir = await make({
        'code-reviewer.md': [
          '---',
          'name: code-reviewer',
          'description: Expert code review specialist. Use proactively after writing or modifying code.',
          'tools: Read, Grep, Glob, Bash',
          'model: inherit',
          'color: purple',
          '---',
          '',
          'You are a senior code reviewer ensuring high standards of code quality and security.',
          '',
          'When invoked:',
          '1. Run git diff to see recent changes',
          '',
        ].join('\n'),
      });
      const { agents, errors } = await loadAgentFiles(dir);
      assert.deepEqual(errors, []);
      assert.equal(agents.length, 1);
      const agent = agents[0];
      assert.equal(agent.name, 'code-reviewer');
      assert.deepEqual(agent.tools, ['Read', 'Grep', 'Glob', 'Bash']);
      assert.equal(agent.model, 'inherit');
      assert.equal(agent.runtime, 'model');
      assert.deepEqual(agent.source, { kind: 'file', path: path.join(dir, 'code-reviewer.md') });
      assert.match(agent.prompt, /^You are a senior code reviewer/);
      assert.match(agent.prompt, /1\. Run git diff to see recent changes$/);
      // "review" in the name and description, nothing else: a reviewer analyses.
      assert.deepEqual(agent.capabilities, ['code_review']);
      assert.equal(agent.stage, 'analysis');
    });

    it('loads tools and capabilities given as YAML lists, with CRLF line endings, and an explicit stage', async () => {
      const dir = await make({
        'db.md': '---\r\nname: db-tuner\r\ndescription: Tunes slow queries\r\ntools:\r\n  - Read\r\n  - Bash(psql:*)\r\ncapabilities: [database_optimization, Code_Review]\r\nstage: verification\r\nmodel: sonnet\r\n---\r\nTune it.\r\n',
      });
      const { agents, errors } = await loadAgentFiles(dir);
      assert.deepEqual(errors, []);
      assert.deepEqual(agents[0].tools, ['Read', 'Bash(psql:*)']);
      assert.deepEqual(agents[0].capabilities, ['database_optimization', 'code_review']);
      assert.equal(agents[0].stage, 'verification');
      assert.equal(agents[0].model, 'sonnet');
      assert.equal(agents[0].prompt, 'Tune it.');
    });

    it('leaves tools empty (unrestricted) and model null when the file does not set them', async () => {
      const dir = await make({ 'a.md': '---\nname: helper\ndescription: General helper\n---\nHelp.\n' });
      const { agents } = await loadAgentFiles(dir);
      assert.deepEqual(agents[0].tools, []);
      assert.equal(agents[0].model, null);
      assert.deepEqual(agents[0].capabilities, []);
      assert.equal(agents[0].stage, 'implementation');
    });

    const malformed: [string, string, RegExp][] = [
      ['bad-yaml.md', '---\nname: x\ndescription: [unclosed\n---\nbody\n', /^bad-yaml\.md: invalid YAML front matter at line \d+: unexpected end of the stream within a flow collection/],
      ['no-name.md', '---\ndescription: does things\n---\nbody\n', /^no-name\.md: name: required; expected lowercase letters, digits and hyphens/],
      ['no-description.md', '---\nname: some-agent\n---\nbody\n', /^no-description\.md: description: required/],
      ['bad-name.md', '---\nname: My Agent\ndescription: does things\n---\nbody\n', /^bad-name\.md: name: expected lowercase letters, digits and hyphens, such as "code-reviewer"/],
      ['bad-tools.md', '---\nname: tools-agent\ndescription: does things\ntools: 42\n---\nbody\n', /^bad-tools\.md: tools: expected a comma-separated string or a list of strings$/],
      ['bad-tools-list.md', '---\nname: tools-agent\ndescription: does things\ntools: [Read, {x: 1}]\n---\nbody\n', /^bad-tools-list\.md: tools: expected a comma-separated string or a list of strings$/],
      ['bad-model.md', '---\nname: m-agent\ndescription: does things\nmodel: [a, b]\n---\nbody\n', /^bad-model\.md: model: expected a text such as sonnet, opus, haiku, inherit or a model id/],
      ['bad-stage.md', '---\nname: s-agent\ndescription: does things\nstage: later\n---\nbody\n', /^bad-stage\.md: stage: /],
      ['bad-capability.md', '---\nname: c-agent\ndescription: does things\ncapabilities: "security audit"\n---\nbody\n', /^bad-capability\.md: capabilities\.0: expected lower_snake_case names/],
      ['no-front-matter.md', '# Just a document\n', /^no-front-matter\.md: no front matter; expected the file to start with a '---' line/],
      ['unclosed.md', '---\nname: u-agent\ndescription: x\n', /^unclosed\.md: front matter is not closed/],
      ['scalar.md', '---\njust text\n---\nbody\n', /^scalar\.md: front matter must be a set of fields/],
    ];
    for (const [file, text, expected] of malformed) {
      it(`reports ${file} in errors, naming the file and the field, and still loads the good file`, async () => {
        const dir = await make({ [file]: text, 'good.md': '---\nname: good-agent\ndescription: fine\n---\nok\n' });
        const { agents, errors } = await loadAgentFiles(dir);
        assert.deepEqual(agents.map((a) => a.name), ['good-agent']);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].file, path.join(dir, file));
        assert.match(errors[0].message, expected);
      });
    }

    it('names the line of the file where the YAML goes wrong', async () => {
      const dir = await make({
        // Line 4 has a second colon; line 5 is indented under a plain value.
        'colon.md': '---\nname: colon-agent\ndescription: x\ntools: Read: Edit\n---\nbody\n',
        'indent.md': '---\nname: indent-agent\ndescription: x\ncolor: blue\n  bad: x\n---\nbody\n',
      });
      const { errors } = await loadAgentFiles(dir);
      const byFile = Object.fromEntries(errors.map((error) => [path.basename(error.file), error.message]));
      assert.match(byFile['colon.md'] ?? '', /invalid YAML front matter at line 4:/);
      assert.match(byFile['indent.md'] ?? '', /invalid YAML front matter at line 5:/);
    });

    it('never evaluates JavaScript front matter from a workspace file', async () => {
      const marker = `AO_PWNED_${process.pid}`;
      const dir = await make({
        'evil.md': `---js\n{ name: (globalThis.${marker} = 'x', 'evil'), description: 'x' }\n---\nbody\n`,
      });
      const { agents, errors } = await loadAgentFiles(dir);
      assert.deepEqual(agents, []);
      assert.match(errors[0].message, /executable front matter/);
      assert.equal((globalThis as Record<string, unknown>)[marker], undefined);
    });

    it('loads a published-style agent whose unquoted description contains ": ", with a warning', async () => {
      const dir = await make({
        'hunter.md': [
          '---',
          'name: silent-failure-hunter',
          'description: Use this agent when reviewing code. Examples:',
          '<example>',
          'Context: the user added error handling',
          'user: "Can you review it?"',
          '</example>',
          'model: inherit',
          '---',
          'Hunt silent failures.',
        ].join('\n'),
      });
      const { agents, errors, warnings } = await loadAgentFiles(dir);
      assert.deepEqual(errors, []);
      assert.equal(agents[0].name, 'silent-failure-hunter');
      assert.equal(agents[0].model, 'inherit');
      assert.match(agents[0].description, /^Use this agent when reviewing code\. Examples:\n<example>\nContext: .*\nuser: "Can you review it\?"\n<\/example>$/);
      assert.equal(agents[0].prompt, 'Hunt silent failures.');
      assert.match(warnings[0].message, /^hunter\.md: invalid YAML front matter.*quote it/);
    });

    it('gives an empty result for a missing folder', async () => {
      const result = await loadAgentFiles(path.join(os.tmpdir(), `ao-no-such-dir-${process.pid}`, '.claude', 'agents'));
      assert.deepEqual(result, { agents: [], errors: [], warnings: [] });
    });

    it('ignores files that are not Markdown', async () => {
      const dir = await make({ 'notes.txt': 'x', 'a.md': '---\nname: a-agent\ndescription: d\n---\n' });
      const { agents, errors } = await loadAgentFiles(dir);
      assert.deepEqual(agents.map((a) => a.name), ['a-agent']);
      assert.deepEqual(errors, []);
    });

    it('marks a file agent named like a built-in as offline', async () => {
      const dir = await make({ 'docs.md': '---\nname: docs-writer\ndescription: Writes our docs in house style\n---\nUse British spelling.\n' });
      const { agents } = await loadAgentFiles(dir);
      assert.equal(agents[0].runtime, 'offline');
    });
  });

  describe('inference', () => {
    it('infers capabilities and stage from name and description keywords', () => {
      const cases: [string, string, string[], string][] = [
        ['security-scanner', 'Finds vulnerabilities', ['security_audit'], 'analysis'],
        ['api-test-writer', 'Writes tests for the REST API', ['testing', 'backend_development'], 'verification'],
        ['frontend-developer', 'Builds React UI components', ['frontend_development'], 'implementation'],
        ['sql-optimizer', 'Speeds up database queries', ['database_optimization'], 'implementation'],
        ['readme-writer', 'Keeps the docs current', ['documentation'], 'documentation'],
        ['helper', 'Picks the latest build', [], 'implementation'],
      ];
      for (const [name, description, capabilities, stage] of cases) {
        const inferred = inferCapabilities(name, description);
        assert.deepEqual(inferred, capabilities, name);
        assert.equal(inferStage(inferred), stage, name);
      }
    });
  });

  describe('buildAgentRoster', () => {
    it('lets a workspace file reword a built-in but keeps its offline runtime, capabilities and stage', async () => {
      const dir = await make({
        'security-auditor.md': '---\nname: security-auditor\ndescription: Our auditor, focused on auth code\ntools: Read\n---\nCheck auth first.\n',
      });
      const { agents: fileAgents } = await loadAgentFiles(dir);
      const { agents, warnings } = buildAgentRoster(builtinAgents(), fileAgents);
      const auditor = agents.find((a) => a.name === 'security-auditor');
      assert.ok(auditor);
      assert.equal(auditor.description, 'Our auditor, focused on auth code');
      assert.equal(auditor.prompt, 'Check auth first.');
      assert.deepEqual(auditor.tools, ['Read']);
      assert.equal(auditor.runtime, 'offline');
      assert.deepEqual(auditor.capabilities, ['security_audit', 'code_review', 'validation']);
      assert.equal(auditor.stage, 'analysis');
      assert.equal(agents.length, builtinAgents().length);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /"security-auditor".*overrides the built-in.*offline implementation/);
    });

    it('adds new file agents and ignores a later file reusing a name, with a warning naming both files', async () => {
      const dir = await make({
        'a-reviewer.md': '---\nname: reviewer\ndescription: first\n---\n',
        'b-reviewer.md': '---\nname: reviewer\ndescription: second\n---\n',
      });
      const { agents: fileAgents } = await loadAgentFiles(dir);
      const { agents, warnings } = buildAgentRoster(builtinAgents(), fileAgents);
      const reviewers = agents.filter((a) => a.name === 'reviewer');
      assert.equal(reviewers.length, 1);
      assert.equal(reviewers[0].description, 'first');
      assert.equal(agents.length, builtinAgents().length + 1);
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].includes('b-reviewer.md') && warnings[0].includes('a-reviewer.md'), warnings[0]);
    });
  });
});
