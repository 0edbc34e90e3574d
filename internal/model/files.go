package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxMetadataSize bounds the SAML metadata file read while validating.
const maxMetadataSize = 1 << 20

// MetadataPath returns where the SAML metadata file of an account is:
// relative paths are relative to the directory of the model file.
func (m *Model) MetadataPath(s *SAMLAccess) string {
	if s == nil {
		return ""
	}
	if s.Metadata == "" || filepath.IsAbs(s.Metadata) {
		return s.Metadata
	}
	return filepath.Join(filepath.Dir(m.File), s.Metadata)
}

// checkFiles reads and checks the files a model refers to: each SAML
// metadata file exists and is the metadata of an identity provider; its
// content is kept in SAMLAccess.MetadataXML. Load calls it; it reads files
// but never writes.
func checkFiles(m *Model) Problems {
	var probs Problems
	for _, a := range m.Accounts {
		if a.SAML == nil || a.SAML.Metadata == "" {
			continue
		}
		at := m.At("accounts." + a.Name + ".saml.metadata")
		path := m.MetadataPath(a.SAML)
		doc, err := readMetadata(path)
		if err == nil {
			err = checkMetadata(doc)
		}
		if err != nil {
			hint := "download the metadata of the Identity Center application \"External AWS Account\" and give its path, relative to the model file"
			if errors.Is(err, fs.ErrNotExist) {
				probs = append(probs, Problem{Pos: at, Message: fmt.Sprintf("saml metadata file %s does not exist", path), Hint: hint})
				continue
			}
			probs = append(probs, Problem{Pos: at, Message: fmt.Sprintf("saml metadata file %s: %v", path, err), Hint: hint})
			continue
		}
		a.SAML.MetadataXML = string(doc)
	}
	return probs
}

// readMetadata reads a SAML metadata file, refusing one larger than
// maxMetadataSize.
func readMetadata(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := io.ReadAll(io.LimitReader(f, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(doc) > maxMetadataSize {
		return nil, fmt.Errorf("is larger than %d bytes: not SAML metadata", maxMetadataSize)
	}
	return doc, nil
}

// checkMetadata reports whether doc is SAML 2.0 metadata with an identity
// provider descriptor.
func checkMetadata(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not valid XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
			if root != "EntityDescriptor" {
				return fmt.Errorf("is not SAML metadata: its root element is %s, not EntityDescriptor", root)
			}
		}
		if se.Name.Local == "IDPSSODescriptor" {
			return nil
		}
	}
	if root == "" {
		return errors.New("is empty")
	}
	return errors.New("describes no identity provider (no IDPSSODescriptor element)")
}
