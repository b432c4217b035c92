#!/usr/bin/env python3
"""Checks an M365 Archive integrity proof without the archive's software (docs/integrity.md).

usage: python3 verify-proof.py proof.json [message.eml ...]

For every ledger entry in the proof: its hash from its content, its Merkle path to its root;
for every root: its RFC 3161 token with `openssl ts -verify` against the TSA certificates in the
proof, and the time the token states; for every .eml given: that it is one of the proven messages
(its digest is in an entry). Prints one line per check and exits non-zero on the first failure.
An entry whose root was time-stamped later than the archive's rule allows is not a failure: the
token then proves only that the entry existed at the token's time, and the script says so.
"""
import base64, datetime, hashlib, json, os, re, subprocess, sys, tempfile

def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()

def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)

def fail(message):
    print('FAILED: ' + message, file=sys.stderr)
    sys.exit(1)

def allowed(rule):
    """How long after an entry its root's token may come: two sealing periods and the grace."""
    return datetime.timedelta(seconds=2 * rule['periodSeconds'] + rule['graceSeconds']) if rule else None

def check_entry(e, roots, archive_rule):
    """Checks one entry; returns True when its root was time-stamped later than the archive's rule
    allows, or the rule its root was closed under where that is stricter (as verification does)."""
    seq = e['entry']['seq']
    if hashlib.sha256((e['prev'] + canonical(e['entry'])).encode('utf-8')).hexdigest() != e['hash']:
        fail('entry %d does not hash to %s' % (seq, e['hash']))
    if e['root'] is None:
        print('entry %d: hash ok; its period is not sealed yet' % seq)
        return False
    node = sha256(b'\x00', bytes.fromhex(e['hash']))
    for step in e['path']:
        sibling = bytes.fromhex(step['hash'])
        node = sha256(b'\x01', sibling, node) if step['side'] == 'left' else sha256(b'\x01', node, sibling)
    root = roots[e['root']]
    if node.hex() != root['root']:
        fail('entry %d does not lead to root %d' % (seq, e['root']))
    if root.get('stamped') is None:
        print('entry %d: hash ok, in root %d' % (seq, e['root']))
        return False
    # A token proves that its root existed when it was issued, not earlier: say how long after the entry that was.
    lag = root['stamped'] - parse_time(e['entry']['at'])
    rule = min((r for r in (allowed(root.get('stampRule')), allowed(archive_rule)) if r is not None), default=None)
    late = rule is not None and lag > rule
    print('entry %d: hash ok, in root %d, which was time-stamped %s after this entry%s' % (seq, e['root'], duration(lag), (
        '; LATER than the archive\'s rule allows (%s: two sealing periods and the grace), so the token proves only that '
        'this entry existed by %s' % (duration(rule), root['stamped'].isoformat())) if late else ''))
    return late

def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))

def duration(delta):
    # A TSA's time has whole seconds (or its stated accuracy): an entry of the same second may come out a little after its token.
    return str(max(delta, datetime.timedelta(0))).split('.')[0]

MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

def token_time(token):
    """The time the signed token states (openssl ts -reply -text), not the copy beside it in the proof."""
    run = subprocess.run(['openssl', 'ts', '-reply', '-token_in', '-in', token, '-text'], capture_output=True, text=True)
    found = re.search(r'Time stamp: (\w{3}) +(\d+) (\d+):(\d+):(\d+)(?:\.\d+)? (\d{4}) GMT', run.stdout)
    if run.returncode != 0 or not found:
        fail('cannot read the time of a time-stamp token: %s' % (run.stdout + run.stderr).strip())
    mon, day, hh, mm, ss, year = found.groups()
    return datetime.datetime(int(year), MONTHS.index(mon) + 1, int(day), int(hh), int(mm), int(ss), tzinfo=datetime.timezone.utc)

def check_root(root, ca_file, work, has_tsa):
    root['stamped'] = None
    if root['token'] is None:
        print('root %d: NOT time-stamped %s' % (root['id'], '(the archive has no TSA configured)' if not has_tsa else
              'yet: nothing proves when its entries existed (a new proof once it is stamped will say)'))
        return
    data, token = os.path.join(work, 'root.bin'), os.path.join(work, 'root.tst')
    open(data, 'wb').write(bytes.fromhex(root['root']))
    open(token, 'wb').write(base64.b64decode(root['token']))
    run = subprocess.run(['openssl', 'ts', '-verify', '-token_in', '-in', token, '-data', data, '-CAfile', ca_file], capture_output=True, text=True)
    if run.returncode != 0 or 'Verification: OK' not in run.stdout:
        fail('root %d: time-stamp token does not verify: %s' % (root['id'], (run.stdout + run.stderr).strip()))
    root['stamped'] = token_time(token)
    stated = parse_time(root['genTime']).replace(microsecond=0) if root['genTime'] else None
    if stated != root['stamped']:
        fail('root %d: the proof says it was time-stamped %s, its token says %s' % (root['id'], root['genTime'], root['stamped'].isoformat()))
    print('root %d: time-stamp token verified by openssl (%s)' % (root['id'], root['stamped'].isoformat()))

def digest_of(raw, salt):
    return sha256(bytes.fromhex(salt), sha256(raw)).hex() if salt else hashlib.sha256(raw).hexdigest()

def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    proof = json.load(open(sys.argv[1], encoding='utf-8'))
    roots = {r['id']: r for r in proof['roots']}
    with tempfile.TemporaryDirectory() as work:
        ca_file = os.path.join(work, 'tsa-ca.pem')
        open(ca_file, 'w').write('\n'.join(proof['tsaCertificates']))
        for root in roots.values():
            check_root(root, ca_file, work, len(proof['tsaCertificates']) > 0)
    late = sum(1 for m in proof['messages'] for e in m['entries'] if check_entry(e, roots, proof.get('stampRule')))
    for path in sys.argv[2:]:
        raw = open(path, 'rb').read()
        found = [e for m in proof['messages'] for e in m['entries'] if e['entry']['digest'] == digest_of(raw, m.get('salt') if e['entry']['salted'] else None)]
        if not found:
            fail('%s is none of the proven messages' % path)
        print('%s: is the message of entry %s' % (path, ', '.join(str(e['entry']['seq']) for e in found)))
    print('OK' if late == 0 else 'OK, but %d entr%s time-stamped later than the archive\'s rule allows (see above)' % (late, 'y was' if late == 1 else 'ies were'))

main()
