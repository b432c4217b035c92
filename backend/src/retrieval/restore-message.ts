import type { Message, Recipient } from '@microsoft/microsoft-graph-types';
import { RESTORED_FROM } from '../archiving/restored-copy';
import type { MessageAddress, MessageDoc } from '../store/messages';
import type { MessageBodies } from './mime-parts';

/**
 * MAPI properties set through Graph's single-value extended properties when the message is
 * created (https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-post-singlevalueextendedproperties):
 * PR_MESSAGE_FLAGS without MSGFLAG_UNSENT makes a received message instead of a draft (it can
 * only be set at creation: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxcmsg/a0c52fe2-3014-43a7-942d-f43f6f91c366,
 * and never with a MIME upload, which is why a restore does not upload the MIME);
 * PR_MESSAGE_DELIVERY_TIME and PR_CLIENT_SUBMIT_TIME are what Graph shows as receivedDateTime
 * and sentDateTime.
 */
const PR_MESSAGE_FLAGS = 'Integer 0x0E07';
const PR_MESSAGE_DELIVERY_TIME = 'SystemTime 0x0E06';
const PR_CLIENT_SUBMIT_TIME = 'SystemTime 0x0039';
/** MSGFLAG_READ: the message was read before it was archived; it comes back the same. */
const MSGFLAG_READ = 1;

const recipient = (a: MessageAddress): Recipient => ({ emailAddress: { name: a.name || a.address, address: a.address } });
const recipients = (list: MessageAddress[]): Recipient[] => list.filter((a) => a.address).map(recipient);

/**
 * The archived message as a Graph message: original sender, recipients, subject, body and
 * dates, a received (not draft) item, marked as a restored copy of `doc` so that the next crawl
 * does not archive it a second time. Attachments follow in their own requests.
 */
export function restoredMessage(doc: MessageDoc, bodies: MessageBodies, receivedAt: Date): Message {
  const from = doc.from.find((a) => a.address);
  const sender = doc.sender.find((a) => a.address) ?? from;
  return {
    subject: doc.subject,
    body: bodies.html !== null ? { contentType: 'html', content: bodies.html } : { contentType: 'text', content: bodies.text ?? '' },
    ...(from ? { from: recipient(from) } : {}),
    ...(sender ? { sender: recipient(sender) } : {}),
    toRecipients: recipients(doc.to),
    ccRecipients: recipients(doc.cc),
    bccRecipients: recipients(doc.bcc),
    replyTo: recipients(doc.replyTo),
    ...(doc.messageId ? { internetMessageId: doc.messageId } : {}),
    singleValueExtendedProperties: [
      { id: PR_MESSAGE_FLAGS, value: String(MSGFLAG_READ) },
      { id: PR_MESSAGE_DELIVERY_TIME, value: receivedAt.toISOString() },
      { id: PR_CLIENT_SUBMIT_TIME, value: (doc.date ?? receivedAt).toISOString() },
      { id: RESTORED_FROM, value: doc._id },
    ],
  };
}
