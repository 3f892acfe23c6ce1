import { z } from 'zod';

/** Who a token's holder is. */
export const ROLES = ['customer', 'chef', 'driver', 'support', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** The claims Dabba reads from a verified JWT. */
export const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  role: roleSchema,
  /** Seconds since the epoch. Absent: the token does not expire. */
  exp: z.number().int().positive().optional(),
  /** Explicit channel grants, on top of what the domain allows. */
  channels: z.array(z.string()).max(256).optional(),
  name: z.string().max(128).optional(),
});
export type Claims = z.infer<typeof claimsSchema>;
