import type { Feature } from '../feature.js';

/**
 * Whether the bot can write to the user: blocking the bot ('kicked') marks them unreachable, and
 * unblocking marks them reachable again (staff see it in the panel; 403s are handled in api-guard.ts).
 */
export const reachabilityFeature: Feature = {
  myChatMember: async (ctx, update) => {
    await ctx.deps.services.users.setReachable(ctx.from.id, update.new_chat_member.status !== 'kicked');
  },
};
