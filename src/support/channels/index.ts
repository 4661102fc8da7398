import type { ChannelFactory, ChannelKind } from '../channel.js';
import { createTopicsChannel } from './topics.js';

/**
 * The channel kinds this build can run, by kind. A channel of a kind missing here is marked failed
 * with "kind not available" when started.
 */
export const channelFactories: Partial<Record<ChannelKind, ChannelFactory>> = {
  topics: createTopicsChannel,
};
