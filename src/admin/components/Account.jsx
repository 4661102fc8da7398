import React, { useEffect, useState } from 'react';
import { Box, Button, H2, Label, Loader, MessageBox, Select, Text } from '@adminjs/design-system';
import { ApiClient, useNotice, useTranslation } from 'adminjs';

/**
 * "My account": the staff member's panel language and time zone, kept on the account
 * (src/admin/account.ts). After a save the page reloads, so the whole panel follows the choice.
 */
const Account = () => {
  const { translateComponent: tc } = useTranslation();
  const addNotice = useNotice();
  const [data, setData] = useState(null);
  const [language, setLanguage] = useState('');
  const [timeZone, setTimeZone] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    new ApiClient()
      .getPage({ pageName: 'account' })
      .then((response) => {
        setData(response.data);
        setLanguage(response.data.chosenLanguage || '');
        setTimeZone(response.data.chosenTimeZone || '');
      })
      .catch(() => addNotice({ message: tc('Account.requestFailed'), type: 'error' }));
  }, []);

  if (!data) return <Loader />;

  const languages = [
    { value: '', label: tc('Account.languageBrowser') },
    { value: 'ru', label: 'Русский' },
    { value: 'en', label: 'English' },
  ];
  const zones = [
    { value: '', label: tc('Account.timeZoneDefault', { timeZone: data.defaultTimeZone }) },
    ...data.timeZones.map((z) => ({ value: z, label: z })),
  ];

  const save = () => {
    setBusy(true);
    new ApiClient()
      .getPage({ pageName: 'account', method: 'post', data: { language, timeZone } })
      .then((response) => {
        if (response.data.notice) addNotice(response.data.notice);
        if (response.data.notice && response.data.notice.type === 'success') window.location.reload();
        else setData(response.data);
      })
      .catch(() => addNotice({ message: tc('Account.requestFailed'), type: 'error' }))
      .finally(() => setBusy(false));
  };

  return (
    <Box variant="container" m="xl" p="xl" data-testid="account-page" style={{ maxWidth: 640 }}>
      <H2>{tc('Account.title')}</H2>
      <Text mb="xl">{tc('Account.intro')}</Text>
      <Box mb="xl" data-testid="account-language">
        <Label>{tc('Account.language')}</Label>
        <Select
          value={languages.find((o) => o.value === language)}
          options={languages}
          onChange={(o) => setLanguage(o ? o.value : '')}
          inputId="account-language-input"
        />
      </Box>
      <Box mb="lg" data-testid="account-time-zone">
        <Label>{tc('Account.timeZone')}</Label>
        <Select
          value={zones.find((o) => o.value === timeZone)}
          options={zones}
          onChange={(o) => setTimeZone(o ? o.value : '')}
          inputId="account-time-zone-input"
        />
      </Box>
      <Text mb="xl" data-testid="account-now">
        {tc('Account.now', { time: data.now })}
      </Text>
      {data.notice && data.notice.type === 'error' ? (
        <MessageBox mb="xl" variant="danger" message={data.notice.message} />
      ) : null}
      <Button variant="contained" onClick={save} disabled={busy} data-testid="account-save">
        {tc('Account.save')}
      </Button>
    </Box>
  );
};

export default Account;
