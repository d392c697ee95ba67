#!/usr/bin/env python3
"""DKIM's second implementation for the interop tests: dkimpy (Debian's python3-dkim).

  dkimpy_tool.py sign   KEY.pem DOMAIN SELECTOR IN.eml OUT.eml   (relaxed/relaxed)
  dkimpy_tool.py verify TXT-RECORD-FILE IN.eml                     (prints valid/invalid)

verify answers every DNS query with the record in the file, so no DNS is needed; its exit
status is 0 when the signature verifies and 1 when it does not.
"""
import sys

import dkim


def sign(key_path, domain, selector, in_path, out_path):
    with open(key_path, 'rb') as f:
        key = f.read()
    with open(in_path, 'rb') as f:
        message = f.read()
    signature = dkim.sign(message, selector.encode(), domain.encode(), key,
                          canonicalize=(b'relaxed', b'relaxed'),
                          include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
    with open(out_path, 'wb') as f:
        f.write(signature + message)


def verify(txt_path, in_path):
    with open(txt_path, 'rb') as f:
        record = f.read().strip()
    with open(in_path, 'rb') as f:
        message = f.read()

    def dnsfunc(name, timeout=5):
        return record

    ok = dkim.verify(message, dnsfunc=dnsfunc)
    print('valid' if ok else 'invalid')
    return 0 if ok else 1


if __name__ == '__main__':
    if sys.argv[1] == 'sign':
        sign(*sys.argv[2:7])
        sys.exit(0)
    sys.exit(verify(*sys.argv[2:4]))
