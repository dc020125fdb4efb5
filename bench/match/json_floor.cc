// bench/match/json_floor: the floor of reading JSON lines with the fastest JSON parser we
// know (simdjson's On-Demand API, Debian libsimdjson-dev), doing no matching at all: every
// line parsed, every field visited, every string value unescaped. Its time beside wc -l
// on the same file says how much of the aim (half the speed of wc -l) parsing alone takes.
//   g++ -O3 -march=native -o json_floor json_floor.cc -lsimdjson && ./json_floor FILE [THREADS]
// Output: seconds (best of 5), fields and bytes of string values seen.
#include <simdjson.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

static void visit(const char *p, size_t n, size_t *fields, size_t *bytes) {
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document_stream docs;  // p[n..] is readable: inside the padded file
    if (parser.iterate_many(p, n, 1 << 20).get(docs)) return;
    for (auto doc : docs) {
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj)) continue;
        for (auto field : obj) {
            (*fields)++;
            std::string_view s;
            if (!field.value().get_string().get(s)) *bytes += s.size();
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    simdjson::padded_string all;
    if (simdjson::padded_string::load(argv[1]).get(all)) return 1;
    double best = 1e9;
    size_t f = 0, b = 0;
    for (int r = 0; r < 5; r++) {
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> ts;
        std::vector<size_t> fs(threads), bs(threads);
        size_t start = 0;
        for (int t = 0; t < threads; t++) {  // line-aligned chunks, one per thread
            size_t end = t == threads - 1 ? all.size() : (all.size() / threads) * (t + 1);
            while (end < all.size() && all.data()[end - 1] != '\n') end++;
            ts.emplace_back(visit, all.data() + start, end - start, &fs[t], &bs[t]);
            start = end;
        }
        for (auto &t : ts) t.join();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < best) best = s;
        f = b = 0;
        for (int t = 0; t < threads; t++) f += fs[t], b += bs[t];
    }
    std::printf("%.3f s best of 5, %d threads: %zu fields, %zu bytes of strings\n", best, threads, f, b);
}
