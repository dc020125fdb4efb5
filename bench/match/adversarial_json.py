# Adversarial JSON lines for comparing two builds' `kizuna match` byte for byte: indicators
# escaped and nested, odd keys, numbers and timestamps of every shape, broken lines.
# usage: adversarial_json.py SEED INDICATORS.csv EVENTS.jsonl > out.jsonl (from bench/match/run formats)
import random, sys
random.seed(int(sys.argv[1]))
inds = [l.rstrip('\n').split(',', 1) for l in open(sys.argv[2])][1:]
kinds = {}
for k, v in inds:
    kinds.setdefault(k, []).append(v)
def ind():
    t = random.choice(list(kinds))
    return random.choice(kinds[t])
def esc(s):
    out = []
    for ch in s:
        r = random.random()
        if r < 0.1: out.append('\\u%04x' % ord(ch))
        elif r < 0.15 and ch == '/': out.append('\\/')
        else: out.append(ch)
    return ''.join(out)
nums = ['0', '-0', '1', '-1', '1.5', '1e5', '1E+2', '1e-2', '-1.25e10', '01', '1.2.3e', '-', '1.', '.5', '+1',
        '12345678901234567890123', '1700000000.004', '1700000000', '-.', 'e1', '1ee', '0x10', '1_0', 'NaN', 'Infinity']
tss = ['"2026-11-25T10:00:00Z"', '1700000000.004', '"1700000000"', '1700000000', '"bogus"', '""', 'null',
       '"2026-11-25 10:00:00.123+09:00"', '1.7e9', '-1', '"2026-02-30T00:00:00Z"']
def member(depth=0):
    r = random.random()
    k = random.choice(['src', 'dst', 'host', 'url', 'ts', '@timestamp', 'user', 'msg', 'source.ip', 'a', '',
                       'h\\u006fst', 'x' * random.randint(40, 70), 'src', 'client', 'dns', 'answers', 'q"k'.replace('"', '\\"'),
                       'user.name', 'k\\\\'])
    if r < 0.35: v = '"' + esc(ind()) + '"'
    elif r < 0.45: v = random.choice(nums)
    elif r < 0.5: v = random.choice(tss)
    elif r < 0.58 and depth < 4: v = obj(depth + 1)
    elif r < 0.65 and depth < 4: v = '[' + ','.join(random.choice(['"' + esc(ind()) + '"', random.choice(nums), obj(depth + 1) if depth < 3 else '1', '[]', 'true', 'null']) for _ in range(random.randint(0, 4))) + ']'
    elif r < 0.7: v = random.choice(['true', 'false', 'null', 'tru', 'nul', 'falsey'])
    elif r < 0.8: v = '"' + random.choice(['POST', 'text/css', 'hello world', 'see http://' + ind() + '/x and ' + ind(), '\\ud83d\\ude00.example', '\\ud83d', '\\x', '\\u12', 'a\\"b', '\t', ind().upper()]) + '"'
    else: v = '"' + ind() + '"'
    sp = random.choice(['', '', '', ' ', '\t', ' \r '])
    return '"' + k + '"' + sp + ':' + sp + v
def obj(depth=0):
    n = random.randint(0, 8 if depth else 14)
    sep = random.choice([',', ',', ' , '])
    return '{' + sep.join(member(depth) for _ in range(n)) + '}'
lines = []
with open(sys.argv[3]) as f:
    base = [next(f).rstrip('\n') for _ in range(3000)]
for i in range(20000):
    r = random.random()
    if r < 0.5: l = obj()
    elif r < 0.7:
        l = random.choice(base)
        # plant an indicator, duplicate keys, reorder
        d = l[1:-1].split(',"')
        random.shuffle(d)
        l = '{"' + ',"'.join(x.lstrip('"') for x in d) + '}'
        if random.random() < 0.5: l = l[:-1] + ',"host":"' + esc(ind()) + '"}'
        if random.random() < 0.3: l = l[:-1] + ',"src":"' + ind() + '","ts":' + random.choice(tss) + '}'
    elif r < 0.8:
        l = obj()
        cut = random.randint(0, max(0, len(l)))
        l = random.choice([l[:cut], l + ' x', l + '}', l[:cut] + '\x01' + l[cut:], l.replace(':', ' ', 1), '[' + l + ']', l + '{}'])
    elif r < 0.85:
        l = '{' + ','.join('"f%d":"%s"' % (j, ind()) for j in range(random.randint(60, 80))) + '}'
    elif r < 0.9:
        d = random.randint(30, 34)
        l = '{"a":' * d + '"' + ind() + '"' + '}' * d
    elif r < 0.95:
        l = '{"' + 'p' * 300 + '":{"' + 'q' * 300 + '":"' + ind() + '","ts":"2026-11-25T10:00:00Z"},"r":"' + ind() + '"}'
    else:
        l = random.choice(['', ' ', '\t', '{}', ' {"a":"b"} ', '{"a":"b"}{}', '{"a":"' + 'z' * 5000 + ind() + '"}'])
    lines.append(l)
sys.stdout.write('\n'.join(lines) + '\n')
