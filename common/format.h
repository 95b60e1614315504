/*
 * format.h -- the spasm index file, format version 1.  docs/FORMAT.md is
 * the full specification; this is its summary and the constants both the
 * writer (indexer/index_write.c) and the reader (searcher/index.c) use.
 *
 * All integers are little-endian.  One file:
 *
 *   [0, 128)          header
 *   [128, T)          sections, back to back, each starting 8-byte aligned
 *   [T, T + 32*S)     section table: S entries of 32 bytes
 *   [C, C + 4*K)      chunk checksum table: K CRC32s, one per 4 KiB chunk
 *                     of [128, T)  (the last chunk may be shorter)
 *
 * Header (128 bytes):
 *    0 u8[8] magic "SPASMIX\0"      48 u64 chunk count K
 *    8 u32 format version (1)       56 u32 CRC32 of the section table
 *   12 u32 header size (128)        60 u32 CRC32 of the chunk table
 *   16 u64 file size                64 u8[60] zero
 *   24 u64 section table offset T  124 u32 CRC32 of header bytes [0, 124)
 *   32 u32 section count S
 *   36 u32 log2 of the chunk size (12)
 *   40 u64 chunk table offset C
 *
 * Section table entry (32 bytes): u32 tag, u32 CRC32 of the section's
 * bytes, u64 offset, u64 length, u64 item count (section-specific).
 *
 * Checksums: the header, section table and chunk table are checked on
 * open, and so are the small sections read at random (META, DIDX, DMIX,
 * TXIX).  The other sections are checked lazily, chunk by chunk, the
 * first time a query touches them; spasm_index_verify() (and
 * SPASM_OPEN_VERIFY) checks everything at once.
 */
#ifndef SPASM_FORMAT_H
#define SPASM_FORMAT_H

#define SP_MAGIC "SPASMIX"
#define SP_FORMAT_VERSION 2     /* written: zstd record stores (docs/FORMAT.md) */
#define SP_FORMAT_VERSION_MIN 1 /* read too: zlib record stores */
#define SP_HEADER_SIZE 128
#define SP_CHUNK_LOG2 12 /* 4 KiB checksum chunks (readers accept 12..24) */
#define SP_CHUNK_LOG2_MIN 12
#define SP_CHUNK_LOG2_MAX 24
#define SP_SECTION_ENTRY 32

#define SP_TAG(a, b, c, d)                                                                         \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* Sections (the item count of each is given in brackets). */
#define SP_SEC_META SP_TAG('M', 'E', 'T', 'A') /* collection statistics [0] */
#define SP_SEC_DICT SP_TAG('D', 'I', 'C', 'T') /* front-coded term blocks [terms] */
#define SP_SEC_DIDX SP_TAG('D', 'I', 'D', 'X') /* u64 offset of each DICT block [blocks] */
#define SP_SEC_POST SP_TAG('P', 'O', 'S', 'T') /* postings: skips + doc/tf blocks */
#define SP_SEC_POSN SP_TAG('P', 'O', 'S', 'N') /* positions */
#define SP_SEC_LENS SP_TAG('L', 'E', 'N', 'S') /* u32 length of each passage [passages] */
#define SP_SEC_PASS SP_TAG('P', 'A', 'S', 'S') /* 16 bytes per passage [passages] */
#define SP_SEC_DOCS SP_TAG('D', 'O', 'C', 'S') /* 8 bytes per document [docs] */
#define SP_SEC_DMET SP_TAG('D', 'M', 'E', 'T') /* compressed id+title blocks [blocks] */
#define SP_SEC_DMIX SP_TAG('D', 'M', 'I', 'X') /* DMET block index [blocks] */
#define SP_SEC_TEXT SP_TAG('T', 'E', 'X', 'T') /* compressed passage text [blocks] */
#define SP_SEC_TXIX SP_TAG('T', 'X', 'I', 'X') /* TEXT block index [blocks] */
#define SP_SEC_IDIX SP_TAG('I', 'D', 'I', 'X') /* doc id hash -> doc, sorted [docs] */
#define SP_SEC_DIDS SP_TAG('D', 'I', 'D', 'S') /* doc ids, uncompressed [docs] */
#define SP_SEC_WORD SP_TAG('W', 'O', 'R', 'D') /* folded word -> stem, sorted [words] */
#define SP_SEC_WDIX SP_TAG('W', 'D', 'I', 'X') /* u64 offset of each WORD block [blocks] */
#define SP_SEC_SIGS SP_TAG('S', 'I', 'G', 'S') /* near-duplicate signatures [passages] */
#define SP_SEC_SIGB SP_TAG('S', 'I', 'G', 'B') /* bigram counts and bitmaps [passages] */
#define SP_SEC_TLEN SP_TAG('T', 'L', 'E', 'N') /* u32 title positions per passage [passages] */
#define SP_SEC_SYNS SP_TAG('S', 'Y', 'N', 'S') /* optional: synonym file text [rules] */
#define SP_SEC_DUPS SP_TAG('D', 'U', 'P', 'S') /* optional: near-duplicate lists [passages] */
/* optional: a live segment's near-duplicates in the other segments [passages] */
#define SP_SEC_XDUP SP_TAG('X', 'D', 'U', 'P')
/* optional (issue 14 part 7): u8 page-furniture prior per passage, 255 = 1 [passages] */
#define SP_SEC_PRIO SP_TAG('P', 'R', 'I', 'O')
/* optional: each signature key's holders, for XDUP lookups (common/skey.c) [entries] */
#define SP_SEC_SKEY SP_TAG('S', 'K', 'E', 'Y')
/* optional: u64 sp_key8() of each DICT block's first term (index.c) [blocks] */
#define SP_SEC_DKEY SP_TAG('D', 'K', 'E', 'Y')
/* optional: u8 bound of each term's largest tf-norm, in DICT order (segplan.c) [terms] */
#define SP_SEC_TMAX SP_TAG('T', 'M', 'A', 'X')

/* optional: the zstd dictionary TEXT's blocks were compressed with (store.c) [0] */
#define SP_SEC_TXDC SP_TAG('T', 'X', 'D', 'C')

/* A record store block's codec: the last u32 of its index entry (TXIX,
 * DMIX).  Format version 1 wrote zlib only (the field was zero). */
#define SP_CODEC_ZLIB 0 /* RFC 1950 */
#define SP_CODEC_ZSTD 1 /* a zstd frame; TEXT's with TXDC's dictionary when there is one */

/* META section layout (byte offsets). */
#define SP_META_PASSAGES 0    /* u64 */
#define SP_META_DOCS 8        /* u64 */
#define SP_META_TERMS 16      /* u64 */
#define SP_META_TOKENS 24     /* u64: sum of passage lengths */
#define SP_META_K1 32         /* f64 */
#define SP_META_B 40          /* f64 */
#define SP_META_FLAGS 48      /* u32: SP_FLAG_* */
#define SP_META_DICT_BLOCK 52 /* u32: terms per DICT block (16) */
#define SP_META_POST_BLOCK 56 /* u32: postings per block (128) */
#define SP_META_SIG_HASHES 60 /* u32: MinHash values per passage in SIGS */
#define SP_META_SIZE 64

/* BM25 defaults stored by the writer, chosen on ../shared/eval (bench/EVAL.md) */
#define SP_DEFAULT_K1 1.4
#define SP_DEFAULT_B 0.6

#define SP_FLAG_NO_STOPWORDS 1 /* queries keep stop words by default */
#define SP_FLAG_VARIANTS 2     /* spelling variants folded (common/variants.h) */
/* What SPASM_VARIANTS_DEFAULT means for a new index. */
#define SP_VARIANTS_BY_DEFAULT 1

#define SP_DICT_BLOCK 16
#define SP_SIG_HASHES 16    /* u16 MinHash buckets per passage in SIGS */
#define SP_SIG_EMPTY 0xFFFF /* a bucket no shingle fell into */
#define SP_SIGB_BITS 512    /* SIGB: bits of a passage's bigram bitmap */
#define SP_SIGB_ENTRY 68    /* SIGB: u32 distinct bigrams, then the bitmap */
#define SP_DUPS_COMMON 1024 /* DUPS: signature keys held by more passages are no evidence */
#define SP_SKIP_ENTRY 24    /* bytes per block in a posting list's skip table */
#define SP_PASS_ENTRY 16
#define SP_DOCS_ENTRY 8
#define SP_STORE_IX_ENTRY 24 /* record store block index entry */
#define SP_IDIX_ENTRY 12

#endif
