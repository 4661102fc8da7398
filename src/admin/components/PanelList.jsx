import React, { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { Box, Pagination, Text } from '@adminjs/design-system';
import { ApiClient, RecordsTable, useNotice, useQueryParams, useSelectedRecords } from 'adminjs';

const REFRESH_KEY = 'refresh';
const api = new ApiClient();

/**
 * AdminJS's list (its `List` and `useRecords`, same behaviour) with one change: the total beside the
 * title is the server's `meta.totalLabel`. Large tables are not counted exactly (see the adapter's
 * `count`): their total reads "about 1,000,000", or "10,000+" for a filter matching more than that,
 * where AdminJS would print the estimate as if it were a count. The pagination still needs a number:
 * it gets the estimate (a page past the real end is simply empty).
 */
const PanelList = ({ resource, setTag }) => {
  const [records, setRecords] = useState([]);
  const [loading, setLoading] = useState(false);
  const [meta, setMeta] = useState({ page: 1, perPage: 10, total: 0 });
  const location = useLocation();
  const navigate = useNavigate();
  const addNotice = useNotice();
  const { storeParams } = useQueryParams();
  const { selectedRecords, handleSelect, handleSelectAll, setSelectedRecords } = useSelectedRecords(records);

  const fetchData = () => {
    setLoading(true);
    const params = new URLSearchParams(location.search);
    return api
      .resourceAction({ actionName: 'list', resourceId: resource.id, params })
      .then(({ data }) => {
        if (data.notice) addNotice(data.notice);
        if (data.redirectUrl) {
          navigate(data.redirectUrl);
          return;
        }
        setRecords(data.records);
        setMeta(data.meta);
        setLoading(false);
      })
      .catch(() => addNotice({ message: 'errorFetchingRecords', type: 'error', resourceId: resource.id }));
  };

  useEffect(() => {
    const search = new URLSearchParams(location.search);
    if (search.get(REFRESH_KEY)) {
      search.delete(REFRESH_KEY);
      navigate({ pathname: location.pathname, search: search.toString() }, { replace: true });
    } else {
      fetchData();
    }
  }, [resource.id, location.search, location.state]);

  useEffect(() => {
    if (setTag) setTag(meta.totalLabel ?? String(meta.total));
  }, [meta.total, meta.totalLabel]);

  useEffect(() => setSelectedRecords([]), [resource.id]);
  useEffect(() => {
    const search = new URLSearchParams(location.search);
    if (search.get(REFRESH_KEY)) {
      setSelectedRecords([]);
    } else {
      const recordIds = search.get('recordIds')?.split?.(',') ?? [];
      setSelectedRecords(records.filter((r) => recordIds.includes(r.id.toString())));
    }
  }, [location.search, records]);

  return (
    <Box variant="container" data-css={`${resource.id}-list-table-wrapper`}>
      <RecordsTable
        resource={resource}
        records={records}
        actionPerformed={() => fetchData()}
        onSelect={handleSelect}
        onSelectAll={handleSelectAll}
        selectedRecords={selectedRecords}
        direction={meta.direction}
        sortBy={meta.sortBy}
        isLoading={loading}
      />
      <Text mt="xl" textAlign="center">
        <Pagination
          page={meta.page}
          perPage={meta.perPage}
          total={meta.total}
          onChange={(page) => storeParams({ page: page.toString() })}
        />
      </Text>
    </Box>
  );
};

export default PanelList;
