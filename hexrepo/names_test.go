package hexrepo

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// newestNamesDescriptor transcribes hex_core's current hex_pb_names.proto
// (proto2, with Package.updated_at = 3 and its own Timestamp). rebar3 3.19
// predates updated_at, so this is how the field's encoding gets checked
// against a real protobuf implementation rather than only against ourselves.
func newestNamesDescriptor(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	req := descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	f := func(name string, num int32, label *descriptorpb.FieldDescriptorProto_Label, typ *descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: label, Type: typ}
		if typeName != "" {
			fd.TypeName = proto.String(typeName)
		}
		return fd
	}
	file := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("hex_pb_names.proto"),
		Package: proto.String("depot.test.names"),
		Syntax:  proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Names"), Field: []*descriptorpb.FieldDescriptorProto{
				f("packages", 1, rep, msg, ".depot.test.names.Package"),
				f("repository", 2, req, str, ""),
			}},
			{Name: proto.String("Package"), Field: []*descriptorpb.FieldDescriptorProto{
				f("name", 1, req, str, ""),
				f("updated_at", 3, opt, msg, ".depot.test.names.Timestamp"),
			}},
			{Name: proto.String("Timestamp"), Field: []*descriptorpb.FieldDescriptorProto{
				f("seconds", 1, req, descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), ""),
				f("nanos", 2, req, descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), ""),
			}},
		},
	}
	fd, err := protodesc.NewFile(file, nil)
	if err != nil {
		t.Fatalf("build names descriptor: %v", err)
	}
	return fd.Messages().ByName("Names")
}

func TestNamesMatchNewestHexCoreProto(t *testing.T) {
	desc := newestNamesDescriptor(t)
	ours, err := EncodeNames(fixtureNames())
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(desc)
	// Unmarshal also enforces the proto2 required fields.
	if err := proto.Unmarshal(ours, m); err != nil {
		t.Fatalf("protobuf-go rejects our Names: %v", err)
	}
	pkgs := m.Get(desc.Fields().ByName("packages")).List()
	want := fixtureNames()
	if pkgs.Len() != len(want.Packages) {
		t.Fatalf("%d packages, want %d", pkgs.Len(), len(want.Packages))
	}
	for i, w := range want.Packages {
		p := pkgs.Get(i).Message()
		pd := p.Descriptor()
		if got := p.Get(pd.Fields().ByName("name")).String(); got != w.Name {
			t.Errorf("package %d name %q, want %q", i, got, w.Name)
		}
		if len(p.GetUnknown()) != 0 {
			t.Errorf("package %d has fields the proto does not declare: %x", i, p.GetUnknown())
		}
		ua := pd.Fields().ByName("updated_at")
		if w.UpdatedAt.IsZero() {
			if p.Has(ua) {
				t.Errorf("package %d carries updated_at for a zero time", i)
			}
			continue
		}
		ts := p.Get(ua).Message()
		secs := ts.Get(ts.Descriptor().Fields().ByName("seconds")).Int()
		nanos := ts.Get(ts.Descriptor().Fields().ByName("nanos")).Int()
		if secs != w.UpdatedAt.Unix() || nanos != int64(w.UpdatedAt.Nanosecond()) {
			t.Errorf("package %d updated_at = %d.%09d, want %v", i, secs, nanos, w.UpdatedAt)
		}
	}
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, ours) {
		t.Fatalf("protobuf-go re-encodes our Names differently\n got: %x\nours: %x", again, ours)
	}
}
