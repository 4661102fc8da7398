import type { ChannelFactory, ChannelKind } from '../channel.js';
import { createPlanfixChannel, PLANFIX_INBOUND_PATH } from './planfix.js';
import { createTopicsChannel } from './topics.js';
import { createTwinChannel } from './twin.js';
import { WEBIM_CALLBACK_PATH, createWebimChannel } from './webim.js';

/**
 * The channel kinds this build can run, by kind. A channel of a kind missing here is marked failed
 * with "kind not available" when started.
 */
export const channelFactories: Partial<Record<ChannelKind, ChannelFactory>> = {
  topics: createTopicsChannel,
  webim: createWebimChannel,
  twin: createTwinChannel,
  planfix: createPlanfixChannel,
};

/**
 * The HTTP paths platforms call us on, by kind: POST <path>/<channel name>[/…] reaches that channel's
 * inbound(); POST <path> alone reaches the kind's channel named like the kind (`webim`), else its only one.
 */
export const inboundPaths: Partial<Record<ChannelKind, string>> = {
  webim: WEBIM_CALLBACK_PATH,
  planfix: PLANFIX_INBOUND_PATH,
};
