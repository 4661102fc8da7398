import React, { useState } from 'react';
import { FormGroup, Label, Select, SelectAsync } from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';

/**
 * The filter drawer's choice fields (yes/no, a list of values, a reference) as AdminJS draws them,
 * but with the placeholder and "nothing found" texts in the staff member's language (AdminJS leaves
 * react-select's English "Select..."). Replaces AdminJS's DefaultBooleanFilterProperty,
 * DefaultFilterProperty and DefaultReferenceFilterProperty; a plain text filter is AdminJS's own.
 */
const FilterSelect = (props) => {
  const { property, filter = {}, onChange, OriginalComponent } = props;
  const { tl, translateProperty, translateComponent: tc } = useTranslation();
  const [loaded, setLoaded] = useState([]);
  const isBoolean = property.type === 'boolean';
  const isReference = property.type === 'reference' && property.reference;
  if (!isBoolean && !isReference && !property.availableValues) return <OriginalComponent {...props} />;

  const raw = filter[property.path];
  const common = {
    variant: 'filter',
    isClearable: true,
    placeholder: tc('Select.placeholder'),
    noOptionsMessage: () => tc('Select.noOptions'),
    loadingMessage: () => tc('Select.loading'),
    onChange: (selected) => onChange(property.path, selected ? selected.value : isBoolean ? undefined : ''),
  };
  let field;
  if (isReference) {
    const loadOptions = async (query) => {
      const records = await new ApiClient().searchRecords({ resourceId: property.reference, query });
      const options = records.map((r) => ({ value: r.id, label: r.title }));
      setLoaded(options);
      return options;
    };
    const selected = loaded.find((o) => String(o.value) === String(raw));
    field = (
      <SelectAsync {...common} value={selected ?? ''} cacheOptions defaultOptions loadOptions={loadOptions} />
    );
  } else {
    const options = isBoolean
      ? [true, false].map((v) => ({ value: v, label: tl(`${property.path}.${v}`, property.resourceId) }))
      : property.availableValues.map((v) => ({
          value: v.value,
          label: tl(`${property.path}.${v.value}`, property.resourceId, { defaultValue: v.label ?? v.value }),
        }));
    const value = isBoolean ? (raw === undefined ? undefined : /true/i.test(String(raw))) : raw;
    const selected = options.find((o) => o.value === value);
    field = <Select {...common} value={selected ?? ''} options={options} />;
  }
  return (
    <FormGroup variant="filter">
      <Label>{translateProperty(property.label, property.resourceId)}</Label>
      {field}
    </FormGroup>
  );
};

export default FilterSelect;
