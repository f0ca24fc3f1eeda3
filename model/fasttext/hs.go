package fasttext

import "fmt"

// hsTree is the Huffman tree of hierarchical softmax, built from the label
// counts exactly as fastText builds it (HierarchicalSoftmaxLoss::buildTree):
// leaves 0..n-1 are the labels, internal node i (n <= i < 2n-1) uses output
// row i-n, and the root is 2n-2.
type hsTree struct {
	n     int
	nodes []hsNode
	paths [][]int32 // per label: output rows of the internal nodes from the leaf up
	codes [][]bool  // per label: the branch taken at each of those nodes
}

type hsNode struct {
	parent, left, right int32
	count               int64
	binary              bool
}

func newHSTree(counts []int64) (*hsTree, error) {
	n := len(counts)
	t := &hsTree{n: n, nodes: make([]hsNode, 2*n-1)}
	for i := range t.nodes {
		t.nodes[i] = hsNode{parent: -1, left: -1, right: -1, count: 1e15}
	}
	for i := range n {
		t.nodes[i].count = counts[i]
	}
	leaf, node := n-1, n
	for i := n; i < 2*n-1; i++ {
		var mini [2]int
		for j := range 2 {
			if leaf >= 0 && t.nodes[leaf].count < t.nodes[node].count {
				mini[j] = leaf
				leaf--
			} else {
				mini[j] = node
				node++
			}
			if mini[j] >= i {
				// only with counts of 10^15 and more (fastText's "infinite" count of a
				// node not built yet), which no real corpus has
				return nil, fmt.Errorf("label counts too large for the hierarchical softmax tree")
			}
		}
		t.nodes[i].left = int32(mini[0])
		t.nodes[i].right = int32(mini[1])
		t.nodes[i].count = t.nodes[mini[0]].count + t.nodes[mini[1]].count
		t.nodes[mini[0]].parent = int32(i)
		t.nodes[mini[1]].parent = int32(i)
		t.nodes[mini[1]].binary = true
	}
	// Parents have larger indices than their children: depths from the root down.
	depth := make([]int32, len(t.nodes))
	for i := len(t.nodes) - 2; i >= 0; i-- {
		depth[i] = depth[t.nodes[i].parent] + 1
		if depth[i] > maxTreeDepth {
			return nil, fmt.Errorf("hierarchical softmax tree deeper than %d levels (label counts are implausible)", maxTreeDepth)
		}
	}
	t.paths = make([][]int32, n)
	t.codes = make([][]bool, n)
	for i := range n {
		for j := i; t.nodes[j].parent != -1; j = int(t.nodes[j].parent) {
			t.paths[i] = append(t.paths[i], t.nodes[j].parent-int32(n))
			t.codes[i] = append(t.codes[i], t.nodes[j].binary)
		}
	}
	return t, nil
}

// maxTreeDepth bounds the Huffman tree: real label counts give at most
// about 90 levels (a Fibonacci sequence of counts overflows int64 beyond).
const maxTreeDepth = 128

func (t *hsTree) depth() int {
	d := 0
	for _, p := range t.paths {
		d = max(d, len(p))
	}
	return d
}
