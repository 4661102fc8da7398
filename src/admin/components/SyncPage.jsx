import React, { useEffect, useState } from 'react';
import {
  Badge,
  Box,
  Button,
  H2,
  H5,
  Loader,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import { ApiClient, useNotice, useTranslation } from 'adminjs';

/**
 * "Sync": the shop sync with the marketplace (src/admin/sync-page.ts). The broker connection, the
 * outbox backlog, and the messages that could not be applied (dead letters), each with Retry (apply
 * it again, once the cause is fixed) and Dismiss.
 */
const STATE_VARIANT = {
  connected: 'success',
  connecting: 'info',
  disconnected: 'danger',
  stopped: 'default',
};

const Figure = ({ label, value, testId }) => (
  <Box variant="card" m="md" p="lg" data-testid={testId} style={{ minWidth: 180 }}>
    <H5 mb="sm">{label}</H5>
    <Text>{value}</Text>
  </Box>
);

const SyncPage = () => {
  const { translateComponent } = useTranslation();
  const tc = (key, options) => translateComponent(`SyncPage.${key}`, options);
  const addNotice = useNotice();
  const [data, setData] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = (request) =>
    new ApiClient()
      .getPage({ pageName: 'sync', ...request })
      .then((response) => {
        setData(response.data);
        if (response.data.notice) addNotice(response.data.notice);
      })
      .catch(() => addNotice({ message: tc('requestFailed'), type: 'error' }));

  useEffect(() => {
    load({});
  }, []);

  if (!data) return <Loader />;

  const act = (action, id) => {
    setBusy(true);
    load({ method: 'post', data: { action, id } }).finally(() => setBusy(false));
  };

  const { broker, status } = data;
  return (
    <Box variant="container" m="xl" p="xl" data-testid="sync-page">
      <H2>{tc('title')}</H2>
      <Text mb="lg">{tc('intro')}</Text>
      {!data.enabled ? <MessageBox mb="lg" variant="info" message={tc('off')} /> : null}
      <Box flex flexDirection="row" flexWrap="wrap" mb="lg">
        <Figure
          label={tc('broker')}
          testId="sync-broker"
          value={
            broker ? (
              <span>
                <Badge variant={STATE_VARIANT[broker.state] || 'default'}>
                  {tc(`state.${broker.state}`)}
                </Badge>{' '}
                {tc('since', { time: broker.since })}
                {broker.relayLeader ? ` · ${tc('leader')}` : ''}
              </span>
            ) : (
              tc('state.off')
            )
          }
        />
        <Figure label={tc('backlog')} testId="sync-backlog" value={String(status.backlog)} />
        <Figure label={tc('oldestPending')} testId="sync-oldest" value={status.oldestPendingAt || '—'} />
        <Figure label={tc('lastSent')} testId="sync-last-sent" value={status.lastSentAt || '—'} />
        <Figure label={tc('deadLetters')} testId="sync-dead-count" value={String(status.openDeadLetters)} />
      </Box>
      {status.lastError ? (
        <MessageBox mb="lg" variant="danger" message={`${tc('lastError')}: ${status.lastError}`} />
      ) : null}
      {broker && broker.lastError && broker.state !== 'connected' ? (
        <MessageBox mb="lg" variant="danger" message={`${tc('brokerError')}: ${broker.lastError}`} />
      ) : null}
      <H5 mb="md">{tc('deadLetters')}</H5>
      {data.deadLetters.length === 0 ? (
        <Text data-testid="sync-no-dead-letters">{tc('noDeadLetters')}</Text>
      ) : (
        <Table data-testid="sync-dead-letters">
          <TableHead>
            <TableRow>
              <TableCell>#</TableCell>
              <TableCell>{tc('received')}</TableCell>
              <TableCell>{tc('operation')}</TableCell>
              <TableCell>{tc('reason')}</TableCell>
              <TableCell>{tc('payload')}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {data.deadLetters.map((l) => (
              <TableRow key={l.id} data-testid={`dead-letter-${l.id}`}>
                <TableCell>{l.id}</TableCell>
                <TableCell>{l.receivedAt}</TableCell>
                <TableCell>{l.operation || '—'}</TableCell>
                <TableCell>{l.reason}</TableCell>
                <TableCell>
                  <code style={{ wordBreak: 'break-all' }}>{l.payload.slice(0, 300)}</code>
                </TableCell>
                <TableCell>
                  <Button
                    size="sm"
                    mr="sm"
                    disabled={busy}
                    onClick={() => act('retry', l.id)}
                    data-testid="retry"
                  >
                    {tc('retry')}
                  </Button>
                  <Button
                    size="sm"
                    variant="text"
                    disabled={busy}
                    onClick={() => act('dismiss', l.id)}
                    data-testid="dismiss"
                  >
                    {tc('dismiss')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
};

export default SyncPage;
