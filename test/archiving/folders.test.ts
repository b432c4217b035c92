import { test } from 'node:test';
import assert from 'node:assert/strict';
import { folderPaths, selectFolders, type FolderNode } from '../../backend/src/archiving/folders';

const tree: FolderNode[] = [
  { id: 'in', displayName: 'Posteingang', parentFolderId: 'root', containerClass: 'IPF.Note' },
  { id: 'proj', displayName: 'Projects', parentFolderId: 'in', containerClass: 'IPF.Note' },
  { id: 'old', displayName: '2019', parentFolderId: 'proj', containerClass: 'IPF.Note' },
  { id: 'junk', displayName: 'Junk-E-Mail', parentFolderId: 'root', containerClass: 'IPF.Note' },
  { id: 'sent', displayName: 'Gesendete Elemente', parentFolderId: 'root' },
  { id: 'cal', displayName: 'Kalender', parentFolderId: 'root', containerClass: 'IPF.Appointment' },
  { id: 'contacts', displayName: 'Kontakte', parentFolderId: 'root', containerClass: 'IPF.Contact' },
  { id: 'tasks', displayName: 'Aufgaben', parentFolderId: 'root', containerClass: 'IPF.Task' },
];
// Well-known names resolve to ids through Graph, whatever the mailbox language.
const wellKnown = new Map([['inbox', 'in'], ['junkemail', 'junk'], ['sentitems', 'sent']]);
const paths = (rules: { include: string[]; exclude: string[] }) => selectFolders(tree, rules, wellKnown).map((f) => f.path);

test('paths are built from the tree, whatever order Graph lists folders in', () => {
  const p = folderPaths([...tree].reverse());
  assert.equal(p.get('old'), 'Posteingang/Projects/2019');
  assert.equal(p.get('junk'), 'Junk-E-Mail');
});

test('non-mail folders are never selected, even when everything is included', () => {
  assert.deepEqual(paths({ include: [], exclude: [] }), ['Gesendete Elemente', 'Junk-E-Mail', 'Posteingang', 'Posteingang/Projects', 'Posteingang/Projects/2019']);
});

test('a well-known name covers the folder and its subfolders in any language', () => {
  assert.deepEqual(paths({ include: ['inbox'], exclude: [] }), ['Posteingang', 'Posteingang/Projects', 'Posteingang/Projects/2019']);
  assert.deepEqual(paths({ include: [], exclude: ['junkemail', 'inbox'] }), ['Gesendete Elemente']);
});

test('paths match case-insensitively and exclusion wins over inclusion', () => {
  assert.deepEqual(paths({ include: ['inbox'], exclude: ['posteingang/projects/2019'] }), ['Posteingang', 'Posteingang/Projects']);
  assert.deepEqual(paths({ include: ['/Posteingang/Projects/'], exclude: [] }), ['Posteingang/Projects', 'Posteingang/Projects/2019']);
});

test('a rule naming a folder the mailbox lacks selects nothing rather than everything', () => {
  assert.deepEqual(paths({ include: ['archive'], exclude: [] }), []);
});

test('a corrupt tree with a parent cycle does not hang', () => {
  const cyclic: FolderNode[] = [
    { id: 'a', displayName: 'A', parentFolderId: 'b' },
    { id: 'b', displayName: 'B', parentFolderId: 'a' },
  ];
  assert.equal(folderPaths(cyclic).size, 2);
});
