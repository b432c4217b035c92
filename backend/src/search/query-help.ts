export interface QueryHelpEntry {
  operator: string;
  example: string;
  description: string;
}

/** The domain the examples name; the UIs show the signed-in person's own domain in its place. */
export const EXAMPLE_DOMAIN = 'example.com';

/** What the search box understands, for the UI's help popover. */
export const queryHelp: readonly QueryHelpEntry[] = [
  { operator: 'words', example: 'budget review', description: 'Messages containing all the words, in the subject, body, people, attachment names or attachment text. Case and accents do not matter.' },
  { operator: '"…"', example: '"quarterly budget"', description: 'The exact phrase, words in this order.' },
  { operator: 'OR', example: 'invoice OR receipt', description: 'Either one. Write OR in capitals; it groups more tightly than the spaces around it, so a b OR c means a and (b or c).' },
  { operator: '-', example: '-newsletter', description: 'Leave out messages that match. Works before words, phrases, operators and (groups).' },
  { operator: '( )', example: '(invoice OR receipt) quarterly', description: 'Group parts of a query.' },
  { operator: '*', example: 'invoic*', description: 'Words starting with these letters (at least 2, standing for at most 4,096 different words).' },
  { operator: 'from:', example: 'from:alice@example.com', description: 'Sender name or address; from:example.com matches a whole domain.' },
  { operator: 'to:', example: 'to:"Bob Jones"', description: 'A recipient in To, Cc or Bcc, by name or address.' },
  { operator: 'subject:', example: 'subject:budget', description: 'Words or a "phrase" in the subject.' },
  { operator: 'body:', example: 'body:deadline', description: 'Words or a "phrase" in the message text.' },
  { operator: 'filename:', example: 'filename:report.pdf', description: 'Attachment name; filename:pdf finds every PDF.' },
  { operator: 'has:attachment', example: 'has:attachment', description: 'Messages with attachments.' },
  { operator: 'folder:', example: 'folder:"Sent Items"', description: 'Messages in a folder; use / for subfolders, e.g. folder:Inbox/Projects.' },
  { operator: 'after:', example: 'after:2024-01-31', description: 'Received on or after this day (YYYY-MM-DD, UTC) or instant (2024-01-31T09:00:00Z).' },
  { operator: 'before:', example: 'before:2024-02-01', description: 'Received before this day (YYYY-MM-DD, UTC) or instant.' },
  { operator: 'size>', example: 'size>5MB', description: 'Larger than this size, in bytes, KB, MB or GB (1 KB = 1024 bytes).' },
  { operator: 'size<', example: 'size<100KB', description: 'Smaller than this size.' },
  { operator: 'messageid:', example: 'messageid:<1234@example.com>', description: 'The one message with this Message-ID header (its copies in every archive you may read); pasting <1234@example.com> alone does the same. Used on its own.' },
];
