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

export type PipelineNode = SiteNode | StageNode | DetailNode;

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

  private intern<T extends PipelineNode>(node: T): T {
    const existing = this.nodes.get(node.id);
    if (existing) return existing as T;
    this.nodes.set(node.id, node);
    return node;
  }
}
