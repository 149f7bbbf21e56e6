/**
 * The table's keys and indexes: the one definition, which serverless.yml reads too (config/table-schema.cjs,
 * loaded by Node with its types stripped: keep this file erasable TypeScript, with no imports).
 */

export const TABLE_INDEXES = { byRequester: 'byRequester', byStatus: 'byStatus', byTime: 'byTime' } as const;

export const TABLE_SCHEMA = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'requesterKey', AttributeType: 'S' },
    { AttributeName: 'statusKey', AttributeType: 'S' },
    { AttributeName: 'listKey', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TABLE_INDEXES.byRequester,
      KeySchema: [
        { AttributeName: 'requesterKey', KeyType: 'HASH' },
        { AttributeName: 'listKey', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: TABLE_INDEXES.byStatus,
      KeySchema: [
        { AttributeName: 'statusKey', KeyType: 'HASH' },
        { AttributeName: 'listKey', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      // Every request by time, for auditors: only request items have a listKey (a sparse index), and their
      // sort key is always "REQUEST". One partition: requests are few (people asking for access), far below
      // a partition's 1,000 writes a second.
      IndexName: TABLE_INDEXES.byTime,
      KeySchema: [
        { AttributeName: 'sk', KeyType: 'HASH' },
        { AttributeName: 'listKey', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
} as const;
