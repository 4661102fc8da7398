import type { ChannelFactory, ChannelKind } from '../channel.js';

/**
 * The channel kinds this build can run, by kind. A channel of a kind missing here is marked failed
 * with "kind not available" when started. (The forum-topics channel registers itself here.)
 */
export const channelFactories: Partial<Record<ChannelKind, ChannelFactory>> = {};
