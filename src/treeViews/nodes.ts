import { PLATFORM_SITE, type WaveOutcome } from '../core/platform/types';

/**
 * Tree elements. Stable ids: `site:<site>`, `stage:<site>:<job>`, `detail:<site>:<what>`, and for an older release
 * still on hold `detail:<site>:older:<workflow id>`.
 */
export interface SiteNode {
  readonly kind: 'site';
  readonly id: string;
  readonly site: string;
}

export interface StageNode {
  readonly kind: 'stage';
  readonly id: string;
  readonly site: string;
  readonly job: string;
}

export type DetailKind = 'hold' | 'next' | 'problem' | 'rejection' | 'older';

export interface DetailNode {
  readonly kind: 'detail';
  readonly id: string;
  readonly site: string;
  readonly detail: DetailKind;
  /** For `older`: the older workflow still on hold (what `planet4.stopRelease` stops from its context menu). */
  readonly workflowId?: string;
}

/**
 * The platform release (planet4-base, not a site): `platform`, its stages `platform:<workflow>:<job>`, a problem
 * row `platform:problem`, the wave `platform:wave`, the wave's outcome groups `platform:wave:<outcome>` and their
 * sites `platform:wave:<outcome>:<site>`. `site` is "base" on every row but the wave's sites (their site), so that
 * commands given a row (`planet4.approveJob`) get `{site: "base", job}`.
 */
export interface PlatformNode {
  readonly kind: 'platform';
  readonly id: string;
  readonly site: string;
}

export interface PlatformStageNode {
  readonly kind: 'platformStage';
  readonly id: string;
  readonly site: string;
  readonly job: string;
  readonly workflow: 'release' | 'develop';
}

export interface PlatformProblemNode {
  readonly kind: 'platformProblem';
  readonly id: string;
  readonly site: string;
}

export interface WaveNode {
  readonly kind: 'wave';
  readonly id: string;
  readonly site: string;
}

export interface WaveGroupNode {
  readonly kind: 'waveGroup';
  readonly id: string;
  readonly site: string;
  readonly outcome: WaveOutcome;
}

export interface WaveSiteNode {
  readonly kind: 'waveSite';
  readonly id: string;
  readonly site: string;
  readonly outcome: WaveOutcome;
}

export type PlatformTreeNode =
  PlatformNode | PlatformStageNode | PlatformProblemNode | WaveNode | WaveGroupNode | WaveSiteNode;

export type PipelineNode = SiteNode | StageNode | DetailNode | PlatformTreeNode;

const PLATFORM_KINDS: ReadonlySet<string> = new Set([
  'platform',
  'platformStage',
  'platformProblem',
  'wave',
  'waveGroup',
  'waveSite',
]);

export function isPlatformNode(node: PipelineNode): node is PlatformTreeNode {
  return PLATFORM_KINDS.has(node.kind);
}

/** Hands out one object per id, so that reveal() and selection keep working across refreshes. */
export class NodeCache {
  private readonly nodes = new Map<string, PipelineNode>();

  site(site: string): SiteNode {
    return this.intern({ kind: 'site', id: `site:${site}`, site });
  }

  stage(site: string, job: string): StageNode {
    return this.intern({ kind: 'stage', id: `stage:${site}:${job}`, site, job });
  }

  detail(site: string, detail: DetailKind): DetailNode {
    return this.intern({ kind: 'detail', id: `detail:${site}:${detail}`, site, detail });
  }

  older(site: string, workflowId: string): DetailNode {
    const detail: DetailKind = 'older'; // a row kind, not a shown text
    return this.intern({ kind: 'detail', id: `detail:${site}:older:${workflowId}`, site, detail, workflowId });
  }

  platform(): PlatformNode {
    return this.intern({ kind: 'platform', id: 'platform', site: PLATFORM_SITE });
  }

  platformStage(workflow: 'release' | 'develop', job: string): PlatformStageNode {
    return this.intern({
      kind: 'platformStage',
      id: `platform:${workflow}:${job}`,
      site: PLATFORM_SITE,
      job,
      workflow,
    });
  }

  platformProblem(): PlatformProblemNode {
    return this.intern({ kind: 'platformProblem', id: 'platform:problem', site: PLATFORM_SITE });
  }

  wave(): WaveNode {
    return this.intern({ kind: 'wave', id: 'platform:wave', site: PLATFORM_SITE });
  }

  waveGroup(outcome: WaveOutcome): WaveGroupNode {
    return this.intern({ kind: 'waveGroup', id: `platform:wave:${outcome}`, site: PLATFORM_SITE, outcome });
  }

  waveSite(outcome: WaveOutcome, site: string): WaveSiteNode {
    return this.intern({ kind: 'waveSite', id: `platform:wave:${outcome}:${site}`, site, outcome });
  }

  private intern<T extends PipelineNode>(node: T): T {
    const existing = this.nodes.get(node.id);
    if (existing) return existing as T;
    this.nodes.set(node.id, node);
    return node;
  }
}
