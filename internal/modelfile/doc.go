// Package modelfile is the on-disk container for trained credence models.
//
// A model is saved as ONE versioned binary file made of named sections. This
// package knows nothing about models: it only writes and reads sections,
// checks integrity, and loads untrusted files safely. Loading never executes
// anything (sections are plain bytes), never panics, and never trusts a
// declared size: every count and length is checked against the bytes that are
// really present before anything is allocated, so a hostile file cannot make
// the loader allocate more than a small multiple of its real size.
//
// # File layout
//
// All integers are little-endian. Offsets are from the start of the file.
//
//	offset  size  field
//	------  ----  -----------------------------------------------------------
//	0       8     magic: the ASCII bytes "CREDENCE"
//	8       2     format version, uint16 (currently 1, see [Version])
//	10      2     flags, uint16; no flags are defined yet, so it must be 0.
//	              A file with an unknown flag bit is refused (ErrVersion),
//	              because a flag may change how the rest must be read.
//	12      4     section count, uint32 (at most [MaxSections])
//	16      ...   the sections, back to back, each:
//	                4 bytes  tag: 4 printable ASCII characters (0x21-0x7E),
//	                         e.g. "META", "VOCB", "WGHT"; unique in the file
//	                8 bytes  payload length N, uint64
//	                N bytes  payload
//	end-32  32    trailer: SHA-256 of every preceding byte (magic through the
//	              last payload byte)
//
// Nothing may follow the trailer. A file with no sections is 48 bytes long.
// The encoding is canonical: a file that decodes successfully re-encodes to
// the identical bytes.
//
// # Loading order and errors
//
// [Decode] checks, in order:
//
//  1. the file is not empty and starts with the magic, else [ErrTruncated]
//     (empty, or a proper prefix of the magic) or [ErrNotModel] (a foreign
//     file; a fastText .bin/.ftz is recognised by its int32 magic 793712314
//     and named in the message);
//  2. the version and flags are supported, else [ErrVersion] (before
//     anything else is parsed, since another version may use another layout);
//  3. the declared section count can fit in the remaining bytes, and every
//     declared length fits in the bytes after it, and the 32-byte trailer is
//     present, else [ErrTruncated]; the count must not exceed MaxSections,
//     else [ErrMalformed];
//  4. the SHA-256 trailer matches, else [ErrChecksum];
//  5. no bytes follow the trailer, tags are valid and unique, else
//     [ErrMalformed].
//
// All errors wrap one of the sentinel errors, so callers can use errors.Is.
// The checksum detects accidental damage; it is not a signature, so payload
// decoders must still treat section contents as untrusted. [Reader] is a
// bounds-checked decoder for that purpose, paired with the encoder [Buf].
//
// # Payload helpers
//
// [Buf] and [Reader] encode and decode the usual payload values: unsigned
// and signed varints (encoding/binary's Uvarint/Varint format), float64
// scalars (8 bytes, IEEE 754 bits, little-endian), and length-prefixed
// slices: a uvarint element count followed by the elements (float32: 4
// bytes, float64: 8 bytes, uint32: 4 bytes, all little-endian; strings: a
// uvarint byte length then the bytes). A Reader records the first error and
// returns zero values from then on, so a decoder can read a whole payload
// and check [Reader.Done] once.
package modelfile
