#!/usr/bin/env python3
"""Checks an M365 Archive integrity proof without the archive's software (docs/integrity.md).

usage: python3 verify-proof.py proof.json [message.eml ...]

For every ledger entry in the proof: its hash from its content, its Merkle path to its root;
for every root: its RFC 3161 token with `openssl ts -verify` against the TSA certificates in the
proof; for every .eml given: that it is one of the proven messages (its digest is in an entry).
Prints one line per check and exits non-zero on the first failure.
"""
import base64, datetime, hashlib, json, os, subprocess, sys, tempfile

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

def check_entry(e, roots):
    seq = e['entry']['seq']
    if hashlib.sha256((e['prev'] + canonical(e['entry'])).encode('utf-8')).hexdigest() != e['hash']:
        fail('entry %d does not hash to %s' % (seq, e['hash']))
    if e['root'] is None:
        print('entry %d: hash ok; its period is not sealed yet' % seq)
        return
    node = sha256(b'\x00', bytes.fromhex(e['hash']))
    for step in e['path']:
        sibling = bytes.fromhex(step['hash'])
        node = sha256(b'\x01', sibling, node) if step['side'] == 'left' else sha256(b'\x01', node, sibling)
    root = roots[e['root']]
    if node.hex() != root['root']:
        fail('entry %d does not lead to root %d' % (seq, e['root']))
    print('entry %d: hash ok, in root %d%s' % (seq, e['root'], stamped_after(e['entry']['at'], root['genTime'])))

def stamped_after(at, gen_time):
    # A token proves that its root existed when it was issued, not earlier: say how long after the entry that was.
    if gen_time is None:
        return ''
    parse = lambda s: datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
    lag = parse(gen_time) - parse(at)
    return ', which was time-stamped %s after this entry' % str(lag).split('.')[0]

def check_root(root, ca_file, work):
    if root['token'] is None:
        print('root %d: NOT time-stamped (no TSA configured)' % root['id'])
        return
    data, token = os.path.join(work, 'root.bin'), os.path.join(work, 'root.tst')
    open(data, 'wb').write(bytes.fromhex(root['root']))
    open(token, 'wb').write(base64.b64decode(root['token']))
    run = subprocess.run(['openssl', 'ts', '-verify', '-token_in', '-in', token, '-data', data, '-CAfile', ca_file], capture_output=True, text=True)
    if run.returncode != 0 or 'Verification: OK' not in run.stdout:
        fail('root %d: time-stamp token does not verify: %s' % (root['id'], (run.stdout + run.stderr).strip()))
    print('root %d: time-stamp token verified by openssl (%s)' % (root['id'], root['genTime']))

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
            check_root(root, ca_file, work)
    for m in proof['messages']:
        for e in m['entries']:
            check_entry(e, roots)
    for path in sys.argv[2:]:
        raw = open(path, 'rb').read()
        found = [e for m in proof['messages'] for e in m['entries'] if e['entry']['digest'] == digest_of(raw, m.get('salt') if e['entry']['salted'] else None)]
        if not found:
            fail('%s is none of the proven messages' % path)
        print('%s: is the message of entry %s' % (path, ', '.join(str(e['entry']['seq']) for e in found)))
    print('OK')

main()
