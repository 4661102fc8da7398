import React from 'react';
import { BasePropertyComponent } from 'adminjs';

/**
 * A list cell that stays on one line: long names, slugs and referenced records' titles are cut with
 * "…", and the whole value shows on hover (and in the record's own page).
 */
const ListText = (props) => {
  const { property, record } = props;
  const raw = record.params[property.path];
  const title = record.populated?.[property.path]?.title ?? (raw == null ? '' : String(raw));
  // A reference keeps its usual list view (a link to the record it names).
  const { components, ...usual } = property;
  return (
    <div
      title={title}
      style={{
        maxWidth: property.custom?.maxWidth ?? '16em',
        overflow: 'hidden',
        textOverflow: 'ellipsis',
        whiteSpace: 'nowrap',
      }}
    >
      {property.reference ? <BasePropertyComponent {...props} property={usual} /> : title}
    </div>
  );
};

export default ListText;
