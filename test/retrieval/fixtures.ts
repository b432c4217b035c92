import { ALEX, MEGAN } from './helpers';

/**
 * A message made for these tests (the corpus has no attachment of an active type): an HTML
 * attachment that must never be served as HTML, a PDF whose name tries to leave its folder, and
 * body lines that an mbox must quote.
 */
export const HTML_ATTACHMENT = '<html><body><script>alert(document.cookie)</script>Report</body></html>';
export const PDF_BYTES = Buffer.from('%PDF-1.4\n% not a real PDF, only its bytes matter\n%%EOF\n');

export function attachmentsMessage(): Buffer {
  return Buffer.from(
    [
      `From: Alex Wilber <${ALEX.upn}>`,
      `To: Megan Bowen <${MEGAN.upn}>`,
      'Subject: =?utf-8?Q?Q3_report_=E2=80=93_d=C3=BCe_Friday?=',
      'Date: Tue, 2 Apr 2024 08:30:00 +0000',
      'Message-ID: <retrieval-attachments@contoso.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="=_mixed"',
      '',
      '--=_mixed',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Both files attached.',
      'From the desk of Alex',
      '>From a quoted reply',
      '>>From deeper',
      '--=_mixed',
      'Content-Type: text/html; name="report.html"',
      'Content-Disposition: attachment; filename="report.html"',
      '',
      HTML_ATTACHMENT,
      '--=_mixed',
      'Content-Type: application/pdf; name="q3/final:report.pdf"',
      'Content-Disposition: attachment; filename="q3/final:report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      PDF_BYTES.toString('base64'),
      '--=_mixed--',
      '',
    ].join('\r\n'),
  );
}

/** The demo tenant's all-hands mail (HTML, in every mailbox): present with or without the corpus. */
export const ALL_HANDS_SUBJECT = 'All-hands meeting on Friday';
