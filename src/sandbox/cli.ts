import { SCENARIOS, startSandbox, type PlatformReleaseStart, type ScenarioName } from './index';

function usage(): never {
  console.error(
    `usage: node dist/sandbox-cli.js [--port N] [--scenario ${SCENARIOS.join('|')}] [--speed N] [--latency MS] [--platform-release waiting|finished]`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): {
  port: number;
  scenario: ScenarioName;
  speed: number;
  latency: number;
  platformRelease: PlatformReleaseStart;
} {
  const out = {
    port: 0,
    scenario: 'mixed' as ScenarioName,
    speed: 30,
    latency: 0,
    platformRelease: 'waiting' as PlatformReleaseStart,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      usage();
    }
    if (value === undefined) {
      usage();
    }
    i += 1;
    switch (flag) {
      case '--port':
        out.port = Number(value);
        break;
      case '--scenario':
        if (!SCENARIOS.includes(value as ScenarioName)) {
          usage();
        }
        out.scenario = value as ScenarioName;
        break;
      case '--speed':
        out.speed = Number(value);
        break;
      case '--latency':
        out.latency = Number(value);
        break;
      case '--platform-release':
        if (value !== 'waiting' && value !== 'finished') {
          usage();
        }
        out.platformRelease = value;
        break;
      default:
        usage();
    }
    if (Number.isNaN(out.port) || Number.isNaN(out.speed) || Number.isNaN(out.latency)) {
      usage();
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sandbox = await startSandbox({
    port: args.port,
    scenario: args.scenario,
    clock: 'realtime',
    speed: args.speed,
    latencyMs: args.latency,
    platformRelease: args.platformRelease,
  });
  const roles = (Object.entries(sandbox.roles) as [string, string[]][])
    .filter(([, sites]) => sites.length > 0)
    .map(([role, sites]) => `  ${role}: ${sites.join(', ')}`)
    .join('\n');
  console.log(`Planet 4 sandbox running at ${sandbox.url} (scenario ${sandbox.scenario}, ${args.speed}x real time)

Settings to use:
  "planet4.github.apiUrl": "${sandbox.githubApiUrl}",
  "planet4.circleci.apiUrl": "${sandbox.circleciApiUrl}"

Tokens:
  GitHub (full):       ${sandbox.tokens.github}
  GitHub (read-only):  ${sandbox.tokens.githubReadOnly}
  CircleCI (full):     ${sandbox.tokens.circleci}
  CircleCI (no access): ${sandbox.tokens.circleciNoAccess}

Platform release: ${args.platformRelease === 'waiting' ? 'planet4-base v26.17.0 waits on hold-release: approve it to start the wave (53 sites, 30 s apart on the sandbox clock)' : 'finished'}

Roles:
${roles === '' ? '  (all sites green)' : roles}

Press Ctrl-C to stop.`);
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
