/** Who is who in the sandbox: the organization, the people behind commits, tags and pipelines, and the tokens. */
import type { Actor } from './pipelines';
import type { GitPerson } from './repo';
import { uuidFrom } from './util';

/** The GitHub organization of every simulated repository. */
export const ORG = 'greenpeace';

export interface Identity {
  name: string;
  login: string;
  email: string;
  githubId: number;
  circleId: string;
}

function identity(name: string, login: string, githubId: number): Identity {
  return {
    name,
    login,
    email: `${githubId}+${login}@users.noreply.github.com`,
    githubId,
    circleId: uuidFrom(`user:${login}`),
  };
}

/** The person using the sandbox tokens. */
export const DEVELOPER = identity('Sandbox Developer', 'sandbox-dev', 4200001);
export const BOT = identity('Planet 4 Bot', 'planet4-bot', 4200002);
export const AUTHORS = [
  identity('Ana Sousa', 'asousa-gp', 4200011),
  identity('Lukas Meyer', 'lmeyer-gp', 4200012),
  identity('Priya Nair', 'pnair-gp', 4200013),
  identity('Tomás Reyes', 'treyes-gp', 4200014),
  identity('Mei Lin', 'meilin-gp', 4200015),
];
export const USERS = new Map([DEVELOPER, BOT, ...AUTHORS].map((u) => [u.login, u]));

export const TOKENS = {
  // fake tokens, shaped so that no secret scanner takes them for real ones
  github: 'sandbox-github-token-full-access',
  githubReadOnly: 'sandbox-github-token-read-only',
  circleci: 'sandbox-circleci-token-full-access',
  circleciNoAccess: 'sandbox-circleci-token-no-access',
};

export function person(who: Identity, date: number): GitPerson {
  return { name: who.name, email: who.email, login: who.login, date };
}

export function actorOf(who: Identity): Actor {
  return { id: who.circleId, login: who.login };
}
