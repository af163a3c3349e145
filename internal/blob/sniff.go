package blob

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Kind is an accepted file type.
type Kind string

// The accepted kinds. Everything else is refused.
const (
	PDF  Kind = "pdf"
	OFD  Kind = "ofd" // 版式文档, GB/T 33190
	DOC  Kind = "doc"
	DOCX Kind = "docx"
	XLS  Kind = "xls"
	XLSX Kind = "xlsx"
	JPEG Kind = "jpeg"
	PNG  Kind = "png"
	MP4  Kind = "mp4"
)

type kindInfo struct {
	ext         string   // canonical extension
	exts        []string // extensions that name this kind
	contentType string
}

var kinds = map[Kind]kindInfo{
	PDF:  {".pdf", []string{".pdf"}, "application/pdf"},
	OFD:  {".ofd", []string{".ofd"}, "application/ofd"},
	DOC:  {".doc", []string{".doc"}, "application/msword"},
	DOCX: {".docx", []string{".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	XLS:  {".xls", []string{".xls"}, "application/vnd.ms-excel"},
	XLSX: {".xlsx", []string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	JPEG: {".jpg", []string{".jpg", ".jpeg"}, "image/jpeg"},
	PNG:  {".png", []string{".png"}, "image/png"},
	MP4:  {".mp4", []string{".mp4"}, "video/mp4"},
}

// kindByExt maps every accepted (lower-case) extension to its kind.
var kindByExt = func() map[string]Kind {
	m := map[string]Kind{}
	for k, info := range kinds {
		for _, e := range info.exts {
			m[e] = k
		}
	}
	return m
}()

// Ext returns the canonical extension of k, with the dot (".jpg" for JPEG).
func (k Kind) Ext() string { return kinds[k].ext }

// ContentType returns the MIME type to serve k with.
func (k Kind) ContentType() string { return kinds[k].contentType }

// hasExt reports whether ext (lower-case, with the dot) names k.
func (k Kind) hasExt(ext string) bool {
	for _, e := range kinds[k].exts {
		if e == ext {
			return true
		}
	}
	return false
}

// AllowedTypes lists the accepted types for messages and form hints.
const AllowedTypes = "PDF、OFD、Word（DOC/DOCX）、Excel（XLS/XLSX）、JPG、PNG、MP4"

// AcceptAttr is the accept attribute for file inputs offering the kinds.
const AcceptAttr = ".pdf,.ofd,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png,.mp4"

var (
	msgEmpty      = "文件为空，请重新选择文件。"
	msgUnknown    = "无法识别该文件的类型，仅允许上传 " + AllowedTypes + " 文件。"
	msgZipOther   = "不支持上传压缩包或该类型的文档，仅允许上传 " + AllowedTypes + " 文件。"
	msgDamaged    = "文件已损坏或不完整，无法识别其类型，请检查后重新上传。"
	msgOLE        = "无法确定该旧版 Office 文件是 Word 还是 Excel 文档：请使用 .doc 或 .xls 扩展名，或另存为 DOCX/XLSX 后重新上传。"
	msgZipTooMuch = "文件内部结构异常（解压后过大），不予接收。"
)

func msgBadExt(ext string) string {
	return fmt.Sprintf("不允许上传扩展名为 %s 的文件，仅允许上传 %s 文件。", ext, AllowedTypes)
}

// sniffLen is how much of the start of a file SniffReaderAt reads.
const sniffLen = 4096

// Limits on ZIP containers (DOCX, XLSX, OFD). We never unpack them here, but
// whoever does later (previews, text extraction) should not meet a bomb.
const (
	maxZipEntries      = 10000
	maxZipUncompressed = 1 << 30 // all entries together
	maxZipRatio        = 100     // per entry larger than zipRatioFloor
	zipRatioFloor      = 16 << 20
)

// Sniff decides the kind of a file from its bytes. The extension of fileName
// only chooses between kinds that share a container (OLE2: DOC or XLS; a ZIP
// that is both DOCX and XLSX), and a file whose name has an extension outside
// the allow-list is refused even if its bytes are acceptable (a PDF named
// .exe): the person uploading meant something else.
//
// For ZIP-based kinds (DOCX, XLSX, OFD) data must be the whole file, since
// the central directory is at its end; Ingest uses SniffReaderAt on the
// spooled upload. Errors are apperr.Invalid with a message listing the
// accepted types.
func Sniff(data []byte, fileName string) (Kind, error) {
	return sniff(bytes.NewReader(data), int64(len(data)), data, fileName)
}

// SniffReaderAt is Sniff for a file of the given size read through r; it
// reads the first few KiB and, for a ZIP, the central directory.
func SniffReaderAt(r io.ReaderAt, size int64, fileName string) (Kind, error) {
	head := make([]byte, min(size, sniffLen))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return "", fmt.Errorf("blob: read head: %w", err)
	}
	return sniff(r, size, head, fileName)
}

func sniff(r io.ReaderAt, size int64, head []byte, fileName string) (Kind, error) {
	if size == 0 {
		return "", apperr.New(apperr.Invalid, msgEmpty)
	}
	_, ext := splitExt(SanitizeName(fileName))
	ext = strings.ToLower(ext)
	if ext != "" {
		if _, ok := kindByExt[ext]; !ok {
			return "", apperr.New(apperr.Invalid, msgBadExt(ext))
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		if isMP4(head) {
			return MP4, nil
		}
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		// OLE2 compound file: Word 97–2003, Excel 97–2003, but also MSI,
		// Outlook messages, encrypted OOXML… Only the name tells.
		switch ext {
		case ".doc":
			return DOC, nil
		case ".xls":
			return XLS, nil
		}
		return "", apperr.New(apperr.Invalid, msgOLE)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(r, size, ext)
	}
	return "", apperr.New(apperr.Invalid, msgUnknown)
}

// mp4Brands are ISO base media brands of MP4 video.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "avc1": true,
	"dash": true, "M4V ": true, "MSNV": true, "mp71": true,
}

// notMP4Brands are major brands of other ISO-BMFF files (QuickTime, HEIF and
// AVIF images) that sometimes list an MP4 brand as compatible.
var notMP4Brands = map[string]bool{
	"qt  ": true, "heic": true, "heix": true, "heim": true, "heis": true, "hevc": true,
	"hevx": true, "mif1": true, "msf1": true, "avif": true, "avis": true, "crx ": true,
}

// isMP4 checks the ftyp box at the start of head: its major brand, or one of
// its compatible brands, is an MP4 brand.
func isMP4(head []byte) bool {
	boxSize := int(binary.BigEndian.Uint32(head[0:4]))
	if boxSize < 16 || len(head) < 16 {
		return false
	}
	if notMP4Brands[string(head[8:12])] {
		return false
	}
	if mp4Brands[string(head[8:12])] {
		return true
	}
	end := min(boxSize, len(head))
	for i := 16; i+4 <= end; i += 4 {
		if mp4Brands[string(head[i:i+4])] {
			return true
		}
	}
	return false
}

// sniffZip reads the central directory: OFD has OFD.xml at its root; OOXML
// has [Content_Types].xml and a word/ or xl/ part. Any other ZIP is refused.
func sniffZip(r io.ReaderAt, size int64, ext string) (Kind, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", apperr.Wrap(apperr.Invalid, msgDamaged, err)
	}
	if len(zr.File) > maxZipEntries {
		return "", apperr.New(apperr.Invalid, msgZipTooMuch)
	}
	var total uint64
	var contentTypes, word, xl, ofd bool
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxZipUncompressed ||
			f.UncompressedSize64 > zipRatioFloor && f.UncompressedSize64/max(f.CompressedSize64, 1) > maxZipRatio {
			return "", apperr.New(apperr.Invalid, msgZipTooMuch)
		}
		switch name := f.Name; {
		case name == "[Content_Types].xml":
			contentTypes = true
		case strings.EqualFold(name, "OFD.xml"):
			ofd = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "xl/"):
			xl = true
		}
	}
	var candidates []Kind
	if ofd {
		candidates = append(candidates, OFD)
	}
	if contentTypes && word {
		candidates = append(candidates, DOCX)
	}
	if contentTypes && xl {
		candidates = append(candidates, XLSX)
	}
	switch len(candidates) {
	case 0:
		return "", apperr.New(apperr.Invalid, msgZipOther)
	case 1:
		return candidates[0], nil
	}
	for _, k := range candidates {
		if k.hasExt(ext) {
			return k, nil
		}
	}
	return "", apperr.New(apperr.Invalid, msgUnknown)
}
