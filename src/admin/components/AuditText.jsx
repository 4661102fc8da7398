import React from 'react';
import { useTranslation } from 'adminjs';

/**
 * The audit log's action and section (resource) columns, translated: the log stores raw names
 * ("setApiKey", "TelegramUser"); staff read them in their language ("Set new API key", "Telegram users").
 */
const AuditText = ({ record, property }) => {
  const { translateAction, translateLabel } = useTranslation();
  const value = record?.params?.[property.path];
  if (!value) return null;
  const resource = record.params.resource;
  const text =
    property.path === 'action'
      ? translateAction(value, resource, { defaultValue: value })
      : translateLabel(value, value, { defaultValue: value });
  return <span title={value}>{text}</span>;
};

export default AuditText;
