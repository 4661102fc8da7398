import React, { useState } from 'react';
import { Box, Button, DrawerContent, DrawerFooter, H3, MessageBox, Text } from '@adminjs/design-system';
import { ApiClient, useActionResponseHandler, useTranslation } from 'adminjs';

/**
 * Confirmation screen for the panel's own record and bulk actions (ban, unban, activate, deactivate):
 * opening it changes nothing; the change is a POST (with the CSRF header axios adds), never a GET.
 */
const ConfirmAction = (props) => {
  const { resource, action, record, records } = props;
  const [busy, setBusy] = useState(false);
  const handleResponse = useActionResponseHandler();
  const { translateAction, translateComponent } = useTranslation();
  const tc = (key, options) => translateComponent(`ConfirmAction.${key}`, options);
  const label = translateAction(action.label, resource.id);
  const targets = records || (record ? [record] : []);
  const isBulk = action.actionType === 'bulk';

  const submit = () => {
    setBusy(true);
    const api = new ApiClient();
    const common = { resourceId: resource.id, actionName: action.name, data: { confirm: 'yes' } };
    const call = isBulk
      ? api.bulkAction({ ...common, recordIds: targets.map((r) => r.id) })
      : api.recordAction({ ...common, recordId: record.id });
    call
      .then((response) => handleResponse(response))
      .catch(() => handleResponse({ data: { notice: { message: tc('requestFailed'), type: 'error' } } }))
      .finally(() => setBusy(false));
  };

  return (
    <>
      <DrawerContent>
        <H3>{label}</H3>
        <MessageBox
          mb="xl"
          // A question, not a failure: a change that is hard to undo asks with a warning, never an error box.
          variant={action.variant === 'danger' ? 'warning' : 'info'}
          message={tc('count', { label, count: targets.length })}
        />
        <Box as="ul" pl="xl">
          {targets.map((r) => (
            <li key={r.id}>
              <Text as="span">
                {r.title || tc('noName')} (#{r.id})
              </Text>
            </li>
          ))}
        </Box>
      </DrawerContent>
      <DrawerFooter>
        <Button
          variant={action.variant === 'danger' ? 'danger' : 'contained'}
          onClick={submit}
          disabled={busy || targets.length === 0}
          data-testid="confirm-action"
        >
          {tc('confirm', { label })}
        </Button>
      </DrawerFooter>
    </>
  );
};

export default ConfirmAction;
