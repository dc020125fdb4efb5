# Mutated log lines aimed at the matcher: addresses, hosts and URLs written the odd ways
# (case, ports, brackets, zones, userinfo, trailing dots, leading zeros, %-escapes, UTF-8),
# indicator values planted in them, plus byte-level damage. For comparing two builds'
# `kizuna match` output byte for byte (issue 17 point 1).
# usage: bench/match/mutated_lines.py SEED INDICATORS.csv FILE N > out  (FILE from bench/match/run formats)
import random, sys
random.seed(int(sys.argv[1]))
inds = [l.rstrip('\n').split(',', 2) for l in open(sys.argv[2])][1:]
vals = {}
for r in inds:
    if len(r) >= 2: vals.setdefault(r[0], []).append(r[1])
lines = open(sys.argv[3], encoding='utf-8', errors='surrogateescape').read().split('\n')
hdr, body = (lines[0], lines[1:200000]) if sys.argv[3].endswith('.csv') else (None, lines[:200000])
n = int(sys.argv[4])
def pick(t): return random.choice(vals.get(t) or ['example.com'])
def host_var(h):
    r = random.random()
    if r < 0.2: h = h.upper()
    elif r < 0.3: h = ''.join(c.upper() if random.random() < .3 else c for c in h)
    if random.random() < 0.15: h += '.'
    if random.random() < 0.1: h = random.choice(['www.', 'a.b.', 'x-y.', '', '.']) + h
    if random.random() < 0.05: h = h.replace('.', '%2e', 1)
    if random.random() < 0.05: h = 'b\u00fccher.' + h
    if random.random() < 0.05: h = h + random.choice(['/', '?q', '#f', ':', '@x'])
    return h
def ip_var(a):
    r = random.random()
    if r < 0.1: a = '.'.join(('0' + o) if random.random() < .3 else o for o in a.split('.'))
    elif r < 0.2: a = a + ':' + str(random.randint(0, 70000))
    elif r < 0.25: a = '[' + a + ']'
    elif r < 0.3: a = '::ffff:' + a
    elif r < 0.35: a = a.replace('.', '..', 1)
    elif r < 0.4: a = a + random.choice(['.', '.0', 'x', ' ', '%eth0'])
    elif r < 0.45: a = str(random.randint(0, 999)) + a[a.find('.'):]
    elif r < 0.5: a = random.choice(['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04'])
    return a
def val():
    t = random.choice(['ipv4', 'ipv4', 'domain', 'domain', 'url', 'ipv6', 'cidr', 'email', 'md5'])
    v = pick(t)
    if t == 'ipv4': return ip_var(v)
    if t == 'cidr': return ip_var(v.split('/')[0][:-1] + str(random.randint(0, 255)))
    if t == 'domain': return host_var(v)
    if t == 'url':
        i = v.find('://'); j = v.find('/', i + 3)
        j = len(v) if j < 0 else j
        hp = host_var(v[i + 3:j])
        if random.random() < 0.1: hp = 'user:pw@' + hp
        if random.random() < 0.1: hp += ':' + random.choice(['80', '443', '8080', ''])
        u = (v[:i].upper() if random.random() < .1 else v[:i]) + '://' + hp + v[j:].rstrip('*')
        return u
    if t == 'ipv6': return random.choice([v, v.upper(), '[' + v + ']:443', v + '%eth0'])
    if t == 'email': return random.choice([v, v.upper(), '<' + v + '>', 'mailto:' + v])
    return v
out = [hdr] if hdr is not None else [l for l in body[:12] if l.startswith('#')]
sep = ',' if sys.argv[3].endswith('.csv') else '\t' if sys.argv[3].endswith('http.log') else ' '
for k in range(n):
    l = random.choice(body)
    if not l or l.startswith('#'): continue
    parts = l.split(sep)
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(parts))
        r = random.random()
        if r < 0.7: parts[i] = val()
        elif r < 0.8: parts[i] = parts[i][:random.randint(0, len(parts[i]))]
        elif r < 0.9: parts[i] = parts[i] + random.choice(['"', '\\', '\x00', '\u00e9', ',', '\t', ' ', ':', '/'])
        else: parts[i] = parts[i].upper()
    out.append(sep.join(parts))
sys.stdout.write('\n'.join(out) + '\n')
