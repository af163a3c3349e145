package training

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
)

// Import limits.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 1000
)

// readRows reads the first sheet of an XLSX file or a UTF-8 CSV file, by
// the name's extension.
func readRows(name string, r io.Reader) ([][]string, error) {
	ext := strings.ToLower(name)
	if !strings.HasSuffix(ext, ".xlsx") && !strings.HasSuffix(ext, ".csv") {
		return nil, apperr.Invalidf("请上传 XLSX 或 CSV 文件（文件名以 .xlsx 或 .csv 结尾）。")
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, apperr.Invalidf("上传的文件无法读取。")
	}
	if len(b) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB 的上限。", MaxImportBytes>>20))
	}
	if strings.HasSuffix(ext, ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
		if err != nil {
			return nil, apperr.Invalidf("无法读取 XLSX 文件：请确认文件没有损坏。")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, apperr.Invalidf("XLSX 文件没有工作表。")
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, apperr.Invalidf("无法读取 XLSX 文件的工作表。")
		}
		return rows, nil
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return nil, apperr.Invalidf("CSV 文件须为 UTF-8 编码。")
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, apperr.Invalidf("无法读取 CSV 文件，请检查引号和分隔符。")
		}
		line, _ := cr.FieldPos(0)
		if line > MaxImportRows+1 {
			// Refused before padding: a file of blank lines would otherwise
			// pad millions of empty rows.
			return nil, apperr.Invalidf("文件超过 %d 行，一次最多导入 %d 人。", MaxImportRows+1, MaxImportRows)
		}
		for len(rows) < line-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
}

func cellAt(row []string, i int) string {
	if i >= 0 && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}
