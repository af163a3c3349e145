package web

import (
	"mime"
	"mime/multipart"
)

// UploadName is an uploaded file's name as the browser sent it.
// mime/multipart keeps only the base name, which would hide a
// "../../etc/passwd.pdf" that the services refuse with a message; the
// services check and sanitise the name they get from here.
func UploadName(fh *multipart.FileHeader) string {
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		return params["filename"]
	}
	return fh.Filename
}
