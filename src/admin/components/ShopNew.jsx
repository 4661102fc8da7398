import React from 'react';
import { New } from 'adminjs';

/**
 * The create-shop form, starting from what the server saves for a box left alone: active, prices not
 * updated (the same defaults as the shop service and the CLI). A constant, so the form keeps what is
 * typed: AdminJS's New resets the form whenever this record object changes.
 */
const DEFAULTS = { params: { isActive: true, updatePrices: false }, errors: {}, populated: {} };

const ShopNew = (props) => <New {...props} record={props.record ?? DEFAULTS} />;

export default ShopNew;
