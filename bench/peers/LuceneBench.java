/*
 * LuceneBench.java -- the Lucene 8 peer of the spasm-search benchmark
 * (Debian's liblucene8-java, its analyzers-common jar, jackson-core for the
 * JSON lines; OpenJDK 17).  `make bench-tools` compiles it into
 * build/bench/lucene/ and writes the wrapper build/bench/lucene_bench.
 *
 *   lucene_bench index DIR INPUT.jsonl[.gz] [--threads N] [--ram-mb MB]
 *       One Lucene document per JSON line: the title and the text as two
 *       values of one field "body" (their lengths add up, as in spasm's
 *       passages, where the title words are indexed with the text), the id
 *       as a SortedDocValuesField (read back per hit without decompressing
 *       a stored-fields block).  Analysis: StandardTokenizer (UAX#29),
 *       LowerCaseFilter, ASCIIFoldingFilter (accents stripped, as spasm
 *       does), SnowballFilter English (Porter2, spasm's stemmer); no stop
 *       words are dropped from the index (spasm keeps them too).  N threads
 *       (default 2) read, parse and add documents; IndexWriter's default
 *       merge policy and scheduler; RAM buffer MB (default 256); then
 *       forceMerge(1): one segment, and commit.  DIR is replaced.
 *
 *   lucene_bench query DIR QUERIES.tsv K [--run RUNFILE] [--bm25 K1 B]
 *                      [--stop none|spasm|lucene] [--warmup N] [--count-hits N]
 *       Opens DIR once (MMapDirectory), one IndexSearcher, one thread.  Each
 *       query is analysed like the documents; --stop spasm (default none)
 *       drops the words of spasm's stop list (common/analyzer.c, copied
 *       below), --stop lucene those of Lucene's EnglishAnalyzer (33 words,
 *       all on spasm's list); a query of stop words only keeps them, as
 *       spasm does.  The terms are OR-ed (BooleanQuery of SHOULD
 *       TermQuerys); a repeated word is one clause boosted by spasm's query
 *       term frequency weight 9 qtf / (8 + qtf).  BM25Similarity(K1, B),
 *       default 1.2 0.75 (Lucene's).  Top K by TopScoreDocCollector with a
 *       total-hits threshold of K (--count-hits N: count hits exactly up to
 *       N first, as IndexSearcher.search(q, k) does with 1000): block-max
 *       WAND as soon as K hits are collected.  Then each hit's id from the
 *       doc values.  Every query is run N times first (default 3: JIT
 *       warm-up, untimed), then once more timed (System.nanoTime): analysis
 *       + search + reading the ids.  Prints one JSON line like the other
 *       harnesses (bench/bench_util.h); with --run writes a TREC run
 *       "qid Q0 docid rank score lucene".
 *
 *   lucene_bench stopwords     spasm's stop list as copied here, one a line
 *   lucene_bench version
 *
 * Errors: one line on stderr naming the file and line or option, exit 2.
 */
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;
import org.tartarus.snowball.ext.EnglishStemmer;

public final class LuceneBench {
    /* spasm's English stop words (common/analyzer.c, "the common core of
     * Snowball's and Lucene's lists"); tests/test_bench.c checks that this
     * copy is the same list. */
    static final String[] SPASM_STOPWORDS = {
        "a", "about", "above", "after", "again", "against", "all", "am",
        "an", "and", "any", "are", "as", "at", "be", "because",
        "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "down", "during",
        "each", "few", "for", "from", "further", "had", "has", "have",
        "having", "he", "her", "here", "hers", "herself", "him", "himself",
        "his", "how", "i", "if", "in", "into", "is", "it",
        "its", "itself", "me", "more", "most", "my", "myself", "no",
        "nor", "not", "of", "off", "on", "once", "only", "or",
        "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
        "same", "she", "should", "so", "some", "such", "than", "that",
        "the", "their", "theirs", "them", "themselves", "then", "there", "these",
        "they", "this", "those", "through", "to", "too", "under", "until",
        "up", "very", "was", "we", "were", "what", "when", "where",
        "which", "while", "who", "whom", "why", "will", "with", "would",
        "you", "your", "yours", "yourself", "yourselves",
    };

    static final String FIELD = "body";
    static final String ID = "id";

    /* Print "lucene_bench: message" on stderr and exit with status 2. */
    static void die(String msg) {
        System.err.println("lucene_bench: " + msg);
        System.exit(2);
    }

    static void usage() {
        System.err.println(
            "usage: lucene_bench index DIR INPUT.jsonl[.gz] [--threads N] [--ram-mb MB]\n"
            + "       lucene_bench query DIR QUERIES.tsv K [--run RUNFILE] [--bm25 K1 B]\n"
            + "                          [--stop none|spasm|lucene] [--warmup N] [--count-hits N]\n"
            + "       lucene_bench stopwords\n"
            + "       lucene_bench version");
        System.exit(2);
    }

    /* The analysis chain of the index and the queries; stop == null keeps
     * every word. */
    static final class BenchAnalyzer extends Analyzer {
        private final CharArraySet stop;

        BenchAnalyzer(CharArraySet stop) {
            this.stop = stop;
        }

        @Override
        protected TokenStreamComponents createComponents(String field) {
            StandardTokenizer src = new StandardTokenizer();
            TokenStream t = new LowerCaseFilter(src);
            t = new ASCIIFoldingFilter(t);
            if (stop != null) t = new StopFilter(t, stop);
            t = new SnowballFilter(t, new EnglishStemmer());
            return new TokenStreamComponents(src, t);
        }
    }

    /* A positive integer argument, or exit naming the option. */
    static int parseInt(String what, String s, int min) {
        try {
            int v = Integer.parseInt(s);
            if (v >= min) return v;
        } catch (NumberFormatException e) {
            // below
        }
        die(what + " must be an integer >= " + min + ", not '" + s + "'");
        return 0;
    }

    static double parseDouble(String what, String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            die(what + " must be a number, not '" + s + "'");
            return 0;
        }
    }

    /* A reader of a plain or gzip'd UTF-8 file (told apart by its magic). */
    static BufferedReader openText(String path) throws IOException {
        InputStream raw = Files.newInputStream(Paths.get(path));
        PushbackInputStream in = new PushbackInputStream(raw, 2);
        byte[] magic = new byte[2];
        int n = in.readNBytes(magic, 0, 2);
        if (n > 0) in.unread(magic, 0, n);
        InputStream s = (n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b)
            ? new GZIPInputStream(in, 1 << 18) : in;
        return new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8), 1 << 18);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator)
                Files.delete(q);
        }
    }

    /* The input, shared by the indexing threads: one line at a time. */
    static final class Input {
        final String path;
        final BufferedReader r;
        long lineno;

        Input(String path) throws IOException {
            this.path = path;
            this.r = openText(path);
        }

        /* The next non-blank line and its number, or null at the end. */
        synchronized Object[] next() throws IOException {
            String line;
            do {
                line = r.readLine();
                if (line == null) return null;
                lineno++;
            } while (line.isBlank());
            return new Object[] {line, lineno};
        }
    }

    /* One document of a JSON line: {id (or _id), title?, text}. */
    static String[] parseDoc(JsonFactory jf, String path, long lineno, String line)
        throws IOException {
        String id = null, id2 = null, title = "", text = null;
        String where = path + ":" + lineno + ": ";
        try (JsonParser jp = jf.createParser(line)) {
            if (jp.nextToken() != JsonToken.START_OBJECT) die(where + "not a JSON object");
            JsonToken t;
            while ((t = jp.nextToken()) == JsonToken.FIELD_NAME) {
                String name = jp.getCurrentName();
                JsonToken v = jp.nextToken();
                boolean str = v == JsonToken.VALUE_STRING;
                boolean num = v == JsonToken.VALUE_NUMBER_INT;
                switch (name) {
                case "id":
                    if (str || num) id = jp.getText();
                    break;
                case "_id":
                    if (str || num) id2 = jp.getText();
                    break;
                case "title":
                    if (str) title = jp.getText();
                    break;
                case "text":
                    if (str) text = jp.getText();
                    break;
                default:
                    jp.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) die(where + "bad JSON");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            die(where + "bad JSON: " + e.getOriginalMessage());
        }
        if (id == null || id.isEmpty()) id = id2;
        if (id == null || id.isEmpty()) die(where + "no \"id\" (a non-empty string or an integer)");
        if (text == null) die(where + "no \"text\" string");
        return new String[] {id, title, text};
    }

    static int cmdIndex(String[] a) throws Exception {
        if (a.length < 3) usage();
        String dir = a[1], input = a[2];
        int threads = 2;
        double ramMb = 256;
        for (int i = 3; i < a.length; i++) {
            if (a[i].equals("--threads") && i + 1 < a.length) threads = parseInt("--threads", a[++i], 1);
            else if (a[i].equals("--ram-mb") && i + 1 < a.length) ramMb = parseInt("--ram-mb", a[++i], 16);
            else {
                System.err.println("lucene_bench: unknown or incomplete option '" + a[i] + "'");
                usage();
            }
        }
        long t0 = System.nanoTime();
        Path p = Paths.get(dir);
        deleteTree(p);
        IndexWriterConfig cfg = new IndexWriterConfig(new BenchAnalyzer(null));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setSimilarity(new BM25Similarity());
        cfg.setRAMBufferSizeMB(ramMb);
        cfg.setUseCompoundFile(false);
        Input in = new Input(input);
        JsonFactory jf = new JsonFactory();
        AtomicLong ndocs = new AtomicLong();
        long t1, t2;
        try (Directory d = FSDirectory.open(p); IndexWriter w = new IndexWriter(d, cfg)) {
            Throwable[] err = new Throwable[1];
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Thread th = new Thread(() -> {
                    try {
                        Document doc = new Document();
                        SortedDocValuesField idf = new SortedDocValuesField(ID, new BytesRef());
                        Field title = new TextField(FIELD, "", Field.Store.NO);
                        Field text = new TextField(FIELD, "", Field.Store.NO);
                        doc.add(idf);
                        doc.add(title);
                        doc.add(text);
                        Object[] ln;
                        while ((ln = in.next()) != null) {
                            String[] dd = parseDoc(jf, input, (Long) ln[1], (String) ln[0]);
                            idf.setBytesValue(new BytesRef(dd[0]));
                            title.setStringValue(dd[1]);
                            text.setStringValue(dd[2]);
                            w.addDocument(doc);
                            ndocs.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        synchronized (err) {
                            if (err[0] == null) err[0] = e;
                        }
                    }
                });
                th.start();
                ts.add(th);
            }
            for (Thread th : ts) th.join();
            if (err[0] != null) die(input + ": " + err[0]);
            if (ndocs.get() == 0) die(input + ": no documents");
            t1 = System.nanoTime();
            w.forceMerge(1);
            w.commit();
            t2 = System.nanoTime();
        }
        long bytes = 0;
        try (var walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk::iterator)
                if (Files.isRegularFile(q)) bytes += Files.size(q);
        }
        System.err.printf(Locale.ROOT,
            "lucene_bench: %d documents, %d threads; build %.1f s, forceMerge(1) %.1f s; %s = %.1f MB%n",
            ndocs.get(), threads, (t1 - t0) / 1e9, (t2 - t1) / 1e9, dir, bytes / 1e6);
        return 0;
    }

    /* The query's analysed terms with their counts, in order (empty: none). */
    static LinkedHashMap<String, Integer> terms(Analyzer an, String text) throws IOException {
        LinkedHashMap<String, Integer> qtf = new LinkedHashMap<>();
        try (TokenStream ts = an.tokenStream(FIELD, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) qtf.merge(term.toString(), 1, Integer::sum);
            ts.end();
        }
        return qtf;
    }

    /* The OR of the query's terms, or null when it has none. */
    static Query buildQuery(Analyzer stop, Analyzer all, String text) throws IOException {
        LinkedHashMap<String, Integer> qtf = terms(stop != null ? stop : all, text);
        if (qtf.isEmpty() && stop != null) qtf = terms(all, text); /* stop words only: kept */
        if (qtf.isEmpty()) return null;
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (Map.Entry<String, Integer> e : qtf.entrySet()) {
            Query q = new TermQuery(new Term(FIELD, e.getKey()));
            int n = e.getValue();
            if (n > 1) q = new BoostQuery(q, (float) (9.0 * n / (8.0 + n)));
            b.add(q, BooleanClause.Occur.SHOULD);
        }
        return b.build();
    }

    static final class Result {
        String[] ids = new String[0];
        float[] scores = new float[0];
        int n;
        boolean noTerm; /* no word at all: counted in "failed", as spasm refuses it */
    }

    /* Run one query: the top k and their ids. */
    static Result runQuery(IndexSearcher s, List<LeafReaderContext> leaves, Analyzer stop,
                           Analyzer all, String text, int k, int countHits) throws IOException {
        Result r = new Result();
        Query q = buildQuery(stop, all, text);
        if (q == null) {
            r.noTerm = true;
            return r;
        }
        TopScoreDocCollector c = TopScoreDocCollector.create(k, Math.max(k, countHits));
        s.search(q, c);
        TopDocs td = c.topDocs();
        ScoreDoc[] sd = td.scoreDocs;
        r.n = sd.length;
        r.ids = new String[sd.length];
        r.scores = new float[sd.length];
        /* doc values are read forwards: visit the hits in doc order */
        Integer[] order = new Integer[sd.length];
        for (int i = 0; i < sd.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Integer.compare(sd[x].doc, sd[y].doc));
        int leaf = -1;
        SortedDocValues dv = null;
        for (int i : order) {
            int l = ReaderUtil.subIndex(sd[i].doc, leaves);
            LeafReaderContext ctx = leaves.get(l);
            if (l != leaf) {
                dv = ctx.reader().getSortedDocValues(ID);
                leaf = l;
            }
            String id = "";
            if (dv != null && dv.advanceExact(sd[i].doc - ctx.docBase))
                id = dv.lookupOrd(dv.ordValue()).utf8ToString();
            r.ids[i] = id;
            r.scores[i] = sd[i].score;
        }
        return r;
    }

    static double percentile(double[] sorted, double p) {
        int n = sorted.length;
        if (n == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * n);
        rank = Math.max(1, Math.min(n, rank));
        return sorted[rank - 1];
    }

    static int cmdQuery(String[] a) throws Exception {
        if (a.length < 4) usage();
        String dir = a[1], qpath = a[2];
        int k = parseInt("K", a[3], 1);
        String runpath = null, stopMode = "none";
        double k1 = 1.2, b = 0.75;
        int warmup = 3, countHits = 0;
        for (int i = 4; i < a.length; i++) {
            if (a[i].equals("--run") && i + 1 < a.length) runpath = a[++i];
            else if (a[i].equals("--bm25") && i + 2 < a.length) {
                k1 = parseDouble("--bm25 k1", a[++i]);
                b = parseDouble("--bm25 b", a[++i]);
            } else if (a[i].equals("--stop") && i + 1 < a.length) {
                stopMode = a[++i];
                if (!stopMode.equals("none") && !stopMode.equals("spasm") && !stopMode.equals("lucene"))
                    die("--stop takes none, spasm or lucene, not '" + stopMode + "'");
            } else if (a[i].equals("--warmup") && i + 1 < a.length) warmup = parseInt("--warmup", a[++i], 0);
            else if (a[i].equals("--count-hits") && i + 1 < a.length) countHits = parseInt("--count-hits", a[++i], 0);
            else {
                System.err.println("lucene_bench: unknown or incomplete option '" + a[i] + "'");
                usage();
            }
        }
        if (k1 <= 0 || !(b >= 0 && b <= 1)) die("--bm25: k1 must be above 0 and b from 0 to 1");

        /* the query file: qid<TAB>text lines (bench_util.h's rules) */
        List<String[]> qs = new ArrayList<>();
        try (BufferedReader r = openText(qpath)) {
            String line;
            long lineno = 0;
            while ((line = r.readLine()) != null) {
                lineno++;
                line = line.replaceAll("[\r\n]+$", "");
                if (line.isEmpty()) continue;
                int tab = line.indexOf('\t');
                if (tab < 0) die(qpath + ":" + lineno + ": no TAB between query id and query text");
                qs.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
            }
        } catch (java.nio.file.NoSuchFileException e) {
            die("cannot open query file " + qpath + ": no such file");
        }
        if (qs.isEmpty()) die(qpath + ": no queries");
        PrintStream run = null;
        if (runpath != null) {
            try {
                run = new PrintStream(Files.newOutputStream(Paths.get(runpath)), false, "UTF-8");
            } catch (IOException e) {
                die("cannot write " + runpath + ": " + e.getMessage());
            }
        }

        Analyzer all = new BenchAnalyzer(null);
        Analyzer stop = null;
        if (stopMode.equals("spasm"))
            stop = new BenchAnalyzer(new CharArraySet(Arrays.asList(SPASM_STOPWORDS), false));
        else if (stopMode.equals("lucene"))
            stop = new BenchAnalyzer(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);

        if (!Files.isDirectory(Paths.get(dir))) die(dir + ": no such index directory");
        try (Directory d = FSDirectory.open(Paths.get(dir));
             DirectoryReader reader = DirectoryReader.open(d)) {
            IndexSearcher s = new IndexSearcher(reader);
            s.setSimilarity(new BM25Similarity((float) k1, (float) b));
            List<LeafReaderContext> leaves = reader.leaves();
            long sink = 0;
            for (int w = 0; w < warmup; w++)
                for (String[] q : qs) sink += runQuery(s, leaves, stop, all, q[1], k, countHits).n;
            int n = qs.size();
            double[] ms = new double[n];
            Result[] res = new Result[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                res[i] = runQuery(s, leaves, stop, all, qs.get(i)[1], k, countHits);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                if (System.getenv("SPASM_BENCH_TIMES") != null)
                    System.err.printf(Locale.ROOT, "%.4f\t%s\t%s%n", ms[i], qs.get(i)[0], qs.get(i)[1]);
            }
            long zero = 0, failed = 0;
            double hits = 0, total = 0;
            for (int i = 0; i < n; i++) {
                Result r = res[i];
                hits += r.n;
                total += ms[i];
                if (r.n == 0) zero++;
                if (r.noTerm) failed++;
                if (run != null)
                    for (int j = 0; j < r.n; j++)
                        run.printf(Locale.ROOT, "%s Q0 %s %d %.6f lucene%n", qs.get(i)[0], r.ids[j], j + 1,
                                   r.scores[j]);
            }
            if (run != null) {
                run.close();
                if (run.checkError()) die("error writing " + runpath);
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT,
                "{\"engine\":\"lucene\",\"k\":%d,\"n\":%d,\"mean_ms\":%.4f,\"p50_ms\":%.4f,"
                + "\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f,\"qps\":%.2f,\"total_s\":%.4f,"
                + "\"zero_hits\":%d,\"mean_hits\":%.2f,\"failed\":%d,\"warmup\":%d,\"warmup_hits\":%d}%n",
                k, n, total / n, percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                sorted[n - 1], total > 0 ? n / (total / 1e3) : 0.0, total / 1e3, zero, hits / n, failed,
                warmup, sink);
        } catch (org.apache.lucene.index.IndexNotFoundException e) {
            die(dir + ": not a Lucene index (" + e.getMessage() + ")");
        }
        return 0;
    }

    public static void main(String[] a) {
        if (a.length < 1) usage();
        try {
            switch (a[0]) {
            case "index":
                System.exit(cmdIndex(a));
                break;
            case "query":
                System.exit(cmdQuery(a));
                break;
            case "stopwords":
                for (String w : SPASM_STOPWORDS) System.out.println(w);
                System.exit(0);
                break;
            case "version":
                System.out.println("Lucene " + Version.LATEST + " (Java " + System.getProperty("java.version") + ")");
                System.exit(0);
                break;
            default:
                usage();
            }
        } catch (IOException e) {
            die(e.toString());
        } catch (Exception e) {
            die(e.toString());
        }
    }
}
