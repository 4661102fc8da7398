import React from 'react';

/**
 * A date field in a list or a record: the time as the server formatted it in the staff member's time
 * zone and language (record.localTimes, see src/admin/features/local-times.ts); the stored UTC value
 * on hover.
 */
const LocalTime = ({ record, property }) => {
  const raw = record?.params?.[property.path];
  if (raw === undefined || raw === null || raw === '') return null;
  const local = record.localTimes?.[property.path];
  return (
    <span title={String(raw)} data-testid={`local-time-${property.path}`} style={{ whiteSpace: 'nowrap' }}>
      {local ?? String(raw)}
    </span>
  );
};

export default LocalTime;
