/** The table's keys and indexes: serverless.yml declares the same, and a test holds them equal. */

export const TABLE_INDEXES = { byRequester: 'byRequester', byStatus: 'byStatus' } as const;

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
  ],
} as const;
