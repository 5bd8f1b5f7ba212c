// Package s3 is the blob.Store on an S3-compatible object store (AWS S3,
// SeaweedFS, MinIO, Ceph RGW, ...), so that several Depot instances can
// share their tarballs and docs without a shared folder.
//
// Layout under the bucket and prefix is the one of blob/local, so a data
// folder's blobs/ can be copied into a bucket as it is (and back):
//
//	ab/cd/abcd…          one object per blob
//	.tmp/put-RANDOM      an upload in progress, copied into place once complete
//	.tmp/put-stored-KEY  touched by every Put of KEY (see DeleteOlder)
//	.tmp/put-sweep-…     a blob DeleteOlder moved aside to check once more
//
// S3 has no rename, so an upload goes to a temporary object first and is
// copied under its key on the server once its hash is known and its size
// checked. Readers never see an object under a key that is not complete
// content: S3 makes an object visible only once its upload (single or
// multipart) has completed.
package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/internal/ctxio"
)

const (
	tmpDir      = ".tmp/"
	tmpPrefix   = tmpDir + "put-"
	storedMark  = tmpPrefix + "stored-"
	sweepPrefix = tmpPrefix + "sweep-"
	// DefaultPartSize is the multipart chunk: an upload up to this size is
	// one PUT, a larger one goes in parts of this size. Each Put in
	// progress holds up to two such buffers.
	DefaultPartSize = 8 << 20
)

// Config says where the blobs are kept.
type Config struct {
	// Endpoint is host[:port] of the S3 API; empty means AWS S3.
	Endpoint string
	// Secure selects https (the default for AWS S3).
	Secure bool
	Region string
	Bucket string
	// Prefix is prepended to every object name ("" or ending in "/").
	Prefix string
	// AccessKey, SecretKey and SessionToken are the credentials; all empty
	// means anonymous requests.
	AccessKey, SecretKey, SessionToken string
	// PartSize overrides DefaultPartSize (at least 5 MiB, S3's minimum).
	PartSize int64
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Store keeps blobs as objects in one bucket under one prefix.
type Store struct {
	c        *minio.Client
	bucket   string
	prefix   string
	partSize int64
	// afterDelete runs in DeleteOlder between the delete and the check of
	// the stored mark (tests).
	afterDelete func()
}

var (
	_ blob.Store       = (*Store)(nil)
	_ blob.Collector   = (*Store)(nil)
	_ blob.TempSweeper = (*Store)(nil)
)

// New connects to the store and checks that the bucket exists: a wrong
// bucket name or endpoint fails at start, not on the first publish.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob/s3: no bucket")
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < 5<<20 {
		return nil, fmt.Errorf("blob/s3: part size %d is below S3's minimum of 5 MiB", partSize)
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:     creds,
		Secure:    cfg.Secure,
		Region:    cfg.Region,
		Transport: cfg.Transport,
		// Path-style requests work with every S3 server, including one
		// reached by IP address; AWS still accepts them.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("blob/s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob/s3: bucket %s at %s: %w", cfg.Bucket, endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob/s3: bucket %s does not exist at %s", cfg.Bucket, endpoint)
	}
	return &Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: partSize}, nil
}

// Client is the underlying S3 client (presigned URLs, tests).
func (s *Store) Client() *minio.Client { return s.c }

// Bucket is the bucket the store writes to.
func (s *Store) Bucket() string { return s.bucket }

// ObjectName is the object that holds key's blob.
func (s *Store) ObjectName(key string) string {
	return s.prefix + key[0:2] + "/" + key[2:4] + "/" + key
}

// Presign returns a GET URL for key's blob valid for ttl, so a client can
// download it from the object store directly.
func (s *Store) Presign(ctx context.Context, key string, ttl time.Duration, params url.Values) (*url.URL, error) {
	if err := checkArgs(ctx, key); err != nil {
		return nil, fmt.Errorf("blob presign: %w", err)
	}
	u, err := s.c.PresignedGetObject(ctx, s.bucket, s.ObjectName(key), ttl, params)
	if err != nil {
		return nil, fmt.Errorf("blob presign %s: %w", key, err)
	}
	return u, nil
}

// ETag is the object's entity tag as the store sends it with the blob.
func (s *Store) ETag(ctx context.Context, key string) (string, error) {
	if err := checkArgs(ctx, key); err != nil {
		return "", fmt.Errorf("blob etag: %w", err)
	}
	info, err := s.c.StatObject(ctx, s.bucket, s.ObjectName(key), minio.StatObjectOptions{})
	if notFound(err) {
		return "", fmt.Errorf("blob etag %s: %w", key, blob.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("blob etag %s: %w", key, ctxErr(ctx, err))
	}
	return info.ETag, nil
}

// Put uploads r to a temporary object while hashing it, checks that the
// store received every byte, then copies it under its key on the server.
//
// A Put of content already stored copies it again all the same: that
// refreshes the object's time, which is what List reports and DeleteOlder
// compares, so a sweep never takes a just-stored blob for an old one.
func (s *Store) Put(ctx context.Context, r io.Reader) (blob.Ref, error) {
	if err := ctx.Err(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: %w", err)
	}
	tmp := s.prefix + tmpPrefix + random()
	h := sha256.New()
	src := io.TeeReader(ctxio.Reader(ctx, r), h)
	size, err := s.upload(ctx, tmp, src)
	// Nothing of a failed or cancelled upload may stay: a multipart upload
	// is aborted by the client, a completed one is removed here.
	cleanup := func() { _ = s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, tmp, minio.RemoveObjectOptions{}) }
	if cerr := ctx.Err(); cerr != nil {
		cleanup()
		return blob.Ref{}, fmt.Errorf("blob put: %w", cerr)
	}
	if err != nil {
		cleanup()
		return blob.Ref{}, fmt.Errorf("blob put: upload: %w", err)
	}
	defer cleanup()
	ref := blob.Ref{Key: hex.EncodeToString(h.Sum(nil)), Size: size}
	// From here on the content is complete and checked: finish even if the
	// caller gives up, so that a Put either stores or fails as a whole.
	fctx := context.WithoutCancel(ctx)
	final := s.ObjectName(ref.Key)
	if err := s.copy(fctx, tmp, final); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put %s: copy into place: %w", ref.Key, err)
	}
	// Tell a DeleteOlder running right now that the key was just stored,
	// then make sure it did not take the object from under us meanwhile.
	if _, err := s.c.PutObject(fctx, s.bucket, s.prefix+storedMark+ref.Key, bytes.NewReader(nil), 0, minio.PutObjectOptions{}); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put %s: mark stored: %w", ref.Key, err)
	}
	ok, err := s.exists(fctx, final)
	if err != nil {
		return blob.Ref{}, fmt.Errorf("blob put %s: %w", ref.Key, err)
	}
	if !ok {
		if err := s.copy(fctx, tmp, final); err != nil {
			return blob.Ref{}, fmt.Errorf("blob put %s: copy into place again: %w", ref.Key, err)
		}
	}
	return ref, nil
}

// upload stores src under name and returns its size. Content up to one part
// goes in a single PUT of known length; anything larger streams as a
// multipart upload, one part in memory at a time.
func (s *Store) upload(ctx context.Context, name string, src io.Reader) (int64, error) {
	var first bytes.Buffer
	n, err := io.CopyN(&first, src, s.partSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	// Content-MD5 lets the server refuse a body or part damaged on the
	// way (TestServerRefusesDamagedUpload). The SHA-256 of the
	// whole content, taken as it streams, is its key; the size the server
	// reports must be what was read.
	opts := minio.PutObjectOptions{
		ContentType:    "application/octet-stream",
		PartSize:       uint64(s.partSize),
		SendContentMd5: true,
	}
	var body io.Reader = &first
	size := n
	if err == nil { // a full part: there may be more
		body, size = io.MultiReader(&first, src), -1
	}
	var counted countReader
	counted.r = body
	info, err := s.c.PutObject(ctx, s.bucket, name, &counted, size, opts)
	if err != nil {
		// The reader's own error (a client that hung up) matters more
		// than how the S3 client reported it.
		if counted.err != nil && !errors.Is(counted.err, io.EOF) {
			return 0, counted.err
		}
		return 0, err
	}
	if info.Size != counted.n {
		return 0, fmt.Errorf("the store took %d bytes of %d", info.Size, counted.n)
	}
	return counted.n, nil
}

// copy makes a server-side copy of src as dst. ComposeObject does it in
// one request up to 5 GiB and in copied parts beyond.
func (s *Store) copy(ctx context.Context, src, dst string) error {
	_, err := s.c.ComposeObject(ctx,
		minio.CopyDestOptions{Bucket: s.bucket, Object: dst},
		minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	return err
}

// Open returns the object's body. The size comes from the object itself,
// so a missing key fails here rather than on the first Read.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	if err := checkArgs(ctx, key); err != nil {
		return nil, 0, fmt.Errorf("blob open: %w", err)
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.ObjectName(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("blob open %s: %w", key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if notFound(err) {
			return nil, 0, fmt.Errorf("blob open %s: %w", key, blob.ErrNotFound)
		}
		return nil, 0, fmt.Errorf("blob open %s: %w", key, ctxErr(ctx, err))
	}
	return obj, info.Size, nil
}

// Delete removes the object; S3 answers a delete of a missing object with
// success, which is what blob.Store asks for.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkArgs(ctx, key); err != nil {
		return fmt.Errorf("blob delete: %w", err)
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.ObjectName(key), minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("blob delete %s: %w", key, ctxErr(ctx, err))
	}
	return nil
}

// Exists asks for the object's metadata.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkArgs(ctx, key); err != nil {
		return false, fmt.Errorf("blob exists: %w", err)
	}
	ok, err := s.exists(ctx, s.ObjectName(key))
	if err != nil {
		return false, fmt.Errorf("blob exists %s: %w", key, ctxErr(ctx, err))
	}
	return ok, nil
}

func (s *Store) exists(ctx context.Context, name string) (bool, error) {
	_, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	default:
		return false, err
	}
}

func notFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey"
}

// ctxErr prefers the context's error, so callers can test for
// context.Canceled however the S3 client wrapped it.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

func checkArgs(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return blob.CheckKey(key)
}

func random() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// countReader counts what the S3 client read and keeps the read error.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
