package blob

import (
	"context"
	"io"
)

// PutChecked stores r while check reads the same bytes, in one pass: an
// upload is verified as it streams in and never held whole in memory. When
// check fails, the store is aborted with that error and nothing is stored;
// a reader never sees a blob whose check failed.
//
// It returns the check's error and the store's own error apart, because
// they mean different things to callers (bad input vs. a broken disk). The
// blob holds exactly the bytes check consumed: a check that must see the
// whole upload reads r to its end.
func PutChecked(ctx context.Context, s Store, r io.Reader, check func(io.Reader) error) (ref Ref, checkErr, storeErr error) {
	pr, pw := io.Pipe()
	type put struct {
		ref Ref
		err error
	}
	done := make(chan put, 1)
	go func() {
		ref, err := s.Put(ctx, pr)
		// If the store gives up early, unblock the checking side.
		pr.CloseWithError(err)
		done <- put{ref, err}
	}()
	checkErr = check(io.TeeReader(r, pw))
	if checkErr != nil {
		pw.CloseWithError(checkErr)
	} else {
		pw.Close()
	}
	res := <-done
	if checkErr != nil {
		if res.err == nil {
			// Cannot happen with a conforming store (a read error fails
			// Put), but never leave a blob behind a failed check.
			_ = s.Delete(context.WithoutCancel(ctx), res.ref.Key)
		}
		return Ref{}, checkErr, nil
	}
	if res.err != nil {
		return Ref{}, nil, res.err
	}
	return res.ref, nil, nil
}
