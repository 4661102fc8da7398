import React, { useEffect, useState } from 'react';
import {
  Box,
  Button,
  DrawerContent,
  DrawerFooter,
  H3,
  Input,
  Label,
  MessageBox,
  Text,
} from '@adminjs/design-system';
import { ApiClient, useNotice, useTranslation } from 'adminjs';

/**
 * Two record actions on Shop share this screen:
 * - setApiKey: a form (an optional key; empty = generate one); the POST answers with the new key;
 * - revealApiKey: opened right after a shop is created; it asks once (POST) for the key the creation
 *   produced, which the server hands out a single time.
 * Either way the plain key is shown here once and is never stored: only its hash and prefix are.
 */
const KeyBox = ({ apiKey, tc }) => (
  <Box mt="xl" data-testid="api-key-box">
    <MessageBox variant="success" message={tc('copyNow')} />
    <Box mt="lg" p="lg" bg="grey20" style={{ fontFamily: 'monospace', fontSize: 16, wordBreak: 'break-all' }}>
      <span data-testid="api-key">{apiKey}</span>
    </Box>
  </Box>
);

const ApiKeyAction = (props) => {
  const { resource, action, record } = props;
  const addNotice = useNotice();
  const { translateAction, translateComponent } = useTranslation();
  const tc = (key, options) => translateComponent(`ApiKeyAction.${key}`, options);
  const [apiKey, setApiKey] = useState(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [gone, setGone] = useState(false);
  // The prefix of the key the shop has now: after a new key is set, the answer's record has it.
  const [prefix, setPrefix] = useState(record.params.apiKeyPrefix);
  const reveal = action.name === 'revealApiKey';

  const post = (data) => {
    setBusy(true);
    return new ApiClient()
      .recordAction({ resourceId: resource.id, recordId: record.id, actionName: action.name, data })
      .then((response) => {
        if (response.data.notice) addNotice(response.data.notice);
        const fresh = response.data.record?.params?.apiKeyPrefix;
        if (fresh) setPrefix(fresh);
        if (response.data.apiKey) setApiKey(response.data.apiKey);
        else if (reveal) setGone(true);
      })
      .catch(() => addNotice({ message: tc('requestFailed'), type: 'error' }))
      .finally(() => setBusy(false));
  };

  useEffect(() => {
    setPrefix(record.params.apiKeyPrefix);
    if (reveal) post({ reveal: 'yes' });
  }, [record.id]);

  return (
    <>
      <DrawerContent>
        <H3>{reveal ? tc('newShopTitle') : translateAction(action.label, resource.id)}</H3>
        <Text mb="lg">
          {tc('shop')}: <b>{record.title}</b> (#{record.id}), {tc('currentPrefix')}:{' '}
          <code data-testid="api-key-prefix">{prefix}</code>
        </Text>
        {!reveal && !apiKey ? (
          <Box>
            <Label htmlFor="new-api-key">{tc('newKeyLabel')}</Label>
            <Input
              id="new-api-key"
              name="apiKey"
              width={1}
              autoComplete="off"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
            <Text mt="sm" variant="sm">
              {tc('oldStops')}
            </Text>
          </Box>
        ) : null}
        {apiKey ? <KeyBox apiKey={apiKey} tc={tc} /> : null}
        {gone ? <MessageBox variant="info" message={tc('alreadyShown')} /> : null}
      </DrawerContent>
      {!reveal && !apiKey ? (
        <DrawerFooter>
          <Button
            variant="contained"
            disabled={busy}
            onClick={() => post({ apiKey: typed })}
            data-testid="set-api-key"
          >
            {tc('submit')}
          </Button>
        </DrawerFooter>
      ) : null}
    </>
  );
};

export default ApiKeyAction;
