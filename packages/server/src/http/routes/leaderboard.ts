import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Domain } from '../../domain/domain.js';
import { MAX_LEADERBOARD_TOP_SIZE } from '../../domain/leaderboard/leaderboard-options.js';
import { awardPointsSchema } from '../../domain/leaderboard/leaderboard-service.js';
import { route, type RestContext } from '../rest.js';

/** Most neighbours shown on each side of a user. */
const MAX_NEIGHBOURS = 20;

const topQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LEADERBOARD_TOP_SIZE).default(10),
});
const userParams = z.object({ id: z.string().min(1).max(128) });
const standingQuery = z.object({
  neighbours: z.coerce.number().int().min(0).max(MAX_NEIGHBOURS).default(2),
});

export function registerLeaderboardRoutes(app: FastifyInstance, context: RestContext, domain: Domain): void {
  const tags = ['leaderboard'];
  const { leaderboard } = domain;

  route(app, context, {
    method: 'GET',
    url: '/leaderboard',
    summary: 'The top N with their ranks (ties: earlier to reach the total first, then user id)',
    tags,
    query: topQuery,
    handler: async ({ query }) => ({ entries: await leaderboard.top(query.limit) }),
  });
  route(app, context, {
    method: 'GET',
    url: '/leaderboard/users/:id',
    summary: "A user's rank, points and achievements, and the users ranked around them",
    tags,
    params: userParams,
    query: standingQuery,
    handler: ({ params, query }) => leaderboard.standing(params.id, query.neighbours),
  });
  route(app, context, {
    method: 'POST',
    url: '/leaderboard/points',
    summary: 'Award points (server API key only); an Idempotency-Key makes a retry award once',
    tags,
    body: awardPointsSchema,
    handler: ({ principal, body, request }) => {
      const header = request.headers['idempotency-key'];
      return leaderboard.awardPoints(principal, body, Array.isArray(header) ? header[0] : header);
    },
  });
}
