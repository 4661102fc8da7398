import type { EntityManager } from 'typeorm';
import { Group, UserGroup } from '../db/entities/index.js';
import { CommandError } from './command.js';

/** Adds the membership unless it exists; false when it already did. */
export async function addToGroup(
  tx: EntityManager,
  userId: number,
  groupName: string,
  opts: { create?: boolean } = {},
): Promise<boolean> {
  let group = await tx.findOne(Group, { where: { name: groupName } });
  if (!group) {
    if (!opts.create) throw new CommandError(`Error: no group named "${groupName}".`);
    group = await tx.save(tx.create(Group, { name: groupName }));
  }
  if (await tx.exists(UserGroup, { where: { userId, groupId: group.id } })) return false;
  await tx.insert(UserGroup, { userId, groupId: group.id });
  return true;
}
