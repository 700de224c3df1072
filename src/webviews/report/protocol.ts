/**
 * Messages between the report panel (extension host) and its webview script. No `vscode` import: the webview
 * bundle imports this file too.
 */
import type { ImageKind, ReportImage, ReportTest } from '../../core/report/backstop';

export type ApprovalJob = 'hold-production' | 'rollback-staging';

export interface ReportHeader {
  site: string;
  tag?: string;
  pipelineNumber?: number;
  jobNumber?: number;
  /** The compare job's CircleCI status (success, failed, running…). */
  jobStatus?: string;
  durationMs?: number;
  /** The job's page in the CircleCI web app (opened by the host, never by the webview). */
  jobUrl?: string;
  /** Approval jobs that are `on_hold` in the fleet snapshot. */
  onHold: ApprovalJob[];
  /** The release workflow shown, while the fleet still describes this job: what the approve buttons approve in. */
  workflowId?: string;
}

export interface ViewImage {
  /** A webview URI of the cached file; absent when the image cannot be shown (yet). */
  src?: string;
  error?: string;
  /** Still downloading: the webview shows a placeholder until an `images` message brings `src` or `error`. */
  pending?: boolean;
  /** The image's id (its path in the report's folder), for `want` and `images` messages. */
  id?: string;
}

/** An image that finished downloading (`src`) or failed (`error`). */
export interface LandedViewImage {
  id: string;
  src?: string;
  error?: string;
}

/** What the webview shows of a test: the report's facts, with each image decided by the host. */
export type ViewTest = Omit<ReportTest, 'images' | 'requireSameDimensions'> & {
  images: Partial<Record<ImageKind, ViewImage>>;
};

/** Builds a ViewTest; `image` decides what the webview gets for each of the test's images. */
export function toViewTest(t: ReportTest, image: (kind: ImageKind, img: ReportImage) => ViewImage): ViewTest {
  const { images, requireSameDimensions: _ignored, ...facts } = t;
  const view: ViewTest = { ...facts, images: {} };
  for (const kind of ['reference', 'test', 'diff'] as const) {
    const img = images[kind];
    if (img) view.images[kind] = image(kind, img);
  }
  return view;
}

export type ReportView =
  | { kind: 'loading'; message: string; done?: number; total?: number }
  | {
      kind: 'ready';
      tests: ViewTest[];
      passed: number;
      failed: number;
      missingImages: number;
      /** Images still downloading. */
      pendingImages: number;
    }
  | { kind: 'running'; message: string }
  | { kind: 'gone'; message: string }
  | { kind: 'no-verdict'; message: string }
  | { kind: 'no-job'; message: string }
  | { kind: 'error'; message: string };

export type HostMessage =
  | { type: 'update'; header: ReportHeader; view: ReportView }
  /** Images that landed since the last message (coalesced), and the report's counts after them. */
  | { type: 'images'; images: LandedViewImage[]; pendingImages: number; missingImages: number };

export type WebviewMessage =
  | { type: 'ready' }
  /** `workflowId`: the workflow the header showed; approving is refused when the latest release has changed since. */
  | { type: 'approve'; job: ApprovalJob; workflowId?: string }
  | { type: 'openJob' }
  | { type: 'refresh' }
  /** Images near the viewport or in the detail view: download them next (most wanted first). */
  | { type: 'want'; ids: string[] };

/** Most ids one `want` message may carry. */
export const MAX_WANTED = 200;

export type Filter = 'failed' | 'passed' | 'all';
export type ImageMode = ImageKind | 'slider' | 'side-by-side';

/** What the webview keeps with `vscode.setState` (restored after a reload by the serializer). */
export interface PanelState {
  site: string;
  jobNumber?: number;
  selected?: string;
  /** The detail view of `selected` is open. */
  detail?: boolean;
  filter?: Filter;
  search?: string;
  mode?: ImageMode;
}

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'approve') {
    const { job, workflowId } = m as { job?: unknown; workflowId?: unknown };
    const workflowOk =
      workflowId === undefined || (typeof workflowId === 'string' && /^[0-9a-f-]{36}$/i.test(workflowId));
    return (job === 'hold-production' || job === 'rollback-staging') && workflowOk;
  }
  if (t === 'want') {
    const ids = (m as { ids?: unknown }).ids;
    return (
      Array.isArray(ids) &&
      ids.length <= MAX_WANTED &&
      ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 1024)
    );
  }
  return t === 'ready' || t === 'openJob' || t === 'refresh';
}

/** Escapes text for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}
