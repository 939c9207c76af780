/**
 * The commands the deployments run are the CLI's: compose's `command` and the Kubernetes
 * containers' `args` follow the image's ENTRYPOINT (the CLI), so their first word must be a
 * command that src/cli/index.ts declares.
 */
import { describe, expect, it } from 'vitest';
import { read, readYaml, readYamlDocuments } from './files.js';

const declared = [...read('src/cli/index.ts').matchAll(/\.command\('([\w-]+)'\)/g)].map((m) => m[1]);

const composeCommands = Object.entries<any>(readYaml('deploy/docker-compose.yml').services)
  .filter(([, service]) => service.build)
  .map(([name, service]) => [`compose service ${name}`, service.command[0]] as const);

const kubernetesCommands = (readYaml('deploy/kubernetes/kustomization.yaml').resources as string[])
  .flatMap((file) => readYamlDocuments(`deploy/kubernetes/${file}`))
  .filter((r) => r.kind === 'Deployment')
  .flatMap((d) =>
    (d.spec.template.spec.containers as any[]).map(
      (c) => [`Deployment ${d.metadata.name}`, c.args[0]] as const,
    ),
  );

describe('the commands the deployments run', () => {
  it('are worker and api', () => {
    expect(new Set([...composeCommands, ...kubernetesCommands].map(([, c]) => c))).toEqual(
      new Set(['worker', 'api']),
    );
  });

  it.each([...composeCommands, ...kubernetesCommands])(
    '%s runs `tributary %s`, a command of the CLI',
    (_, command) => {
      expect(declared, `src/cli/index.ts declares .command('${command}')`).toContain(command);
    },
  );
});
