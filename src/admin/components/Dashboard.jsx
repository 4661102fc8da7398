import React, { useEffect, useState } from 'react';
import { Box, H2, H5, Loader, MessageBox, Text } from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';

/** The back office's home page: figures from the dashboard service (src/services/dashboard.ts). */

const formatMoney = (minorUnits, currency, language) => {
  try {
    return new Intl.NumberFormat(language, { style: 'currency', currency }).format(minorUnits / 100);
  } catch {
    return `${(minorUnits / 100).toFixed(2)} ${currency}`;
  }
};

const Card = ({ label, value, testId, href }) => (
  <Box
    variant="card"
    flex
    flexDirection="column"
    width={[1, 1 / 2, 1 / 4]}
    m="md"
    p="xl"
    data-testid={testId}
    style={{ minWidth: 200 }}
  >
    <H5 mb="sm">{label}</H5>
    <H2 mb="none">{href ? <a href={href}>{value}</a> : value}</H2>
  </Box>
);

const Dashboard = () => {
  const { translateComponent, i18n } = useTranslation();
  const language = i18n.language;
  const tc = (key, options) => translateComponent(`Dashboard.${key}`, options);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    new ApiClient()
      .getDashboard()
      .then((response) => setData(response.data))
      .catch(() => setError(tc('loadFailed')));
  }, []);

  if (error) return <MessageBox m="xl" variant="danger" message={error} />;
  if (!data || !data.counts) return <Loader />;

  const c = data.counts;
  const root = data.rootPath || '/admin';
  const users = `${root}/resources/TelegramUser`;
  const shops = `${root}/resources/Shop`;
  const payments = data.paymentsThisMonth || [];
  const paymentCount = payments.reduce((n, p) => n + p.count, 0);
  const paymentSum = payments.length
    ? payments.map((p) => formatMoney(p.sum, p.currency, language)).join(' + ')
    : formatMoney(0, data.currency || 'RUB', language);

  return (
    <Box p="xl" data-testid="dashboard">
      <H2>{tc('title')}</H2>
      <Text mb="sm">{tc('intro')}</Text>
      <Text mb="lg" data-testid="dashboard-read-at">
        {tc('readAt', { time: data.readAt, timeZone: data.timeZone })}
      </Text>
      <Box flex flexDirection="row" flexWrap="wrap">
        <Card
          label={tc('sellers')}
          value={c.sellers}
          testId="count-sellers"
          href={`${users}?filters.role=seller`}
        />
        <Card
          label={tc('admins')}
          value={c.admins}
          testId="count-admins"
          href={`${users}?filters.role=admin`}
        />
        <Card
          label={tc('banned')}
          value={c.banned}
          testId="count-banned"
          href={`${users}?filters.isBanned=true`}
        />
        <Card
          label={tc('inactive')}
          value={c.inactive}
          testId="count-inactive"
          href={`${users}?filters.isActive=false`}
        />
        <Card
          label={tc('activeShops')}
          value={c.activeShops}
          testId="count-active-shops"
          href={`${shops}?filters.isActive=true`}
        />
        <Card
          label={tc('inactiveShops')}
          value={c.inactiveShops}
          testId="count-inactive-shops"
          href={`${shops}?filters.isActive=false`}
        />
        <Card label={tc('paymentsThisMonth')} value={paymentCount} testId="count-payments" />
        <Card label={tc('paidThisMonth')} value={paymentSum} testId="sum-payments" />
        <Card
          label={tc('openConversations')}
          value={data.support ? data.support.openConversations : 0}
          testId="count-open-conversations"
          href={`${root}/resources/SupportConversation?filters.status=open`}
        />
        <Card
          label={tc('relayedToday')}
          value={data.support ? data.support.relayedToday : 0}
          testId="count-relayed-today"
        />
      </Box>
    </Box>
  );
};

export default Dashboard;
