package fasttext_test

import (
	"fmt"
	"strings"

	"github.com/credence-news/credence/model/fasttext"
)

func ExampleTrain() {
	texts := []string{
		"the striker scored twice in the final", "the match ended in a draw", "the keeper saved a penalty",
		"parliament passed the budget", "the minister resigned today", "the senate voted on the bill",
	}
	labels := []string{"sport", "sport", "sport", "politics", "politics", "politics"}
	opt := fasttext.DefaultOptions()
	opt.Dim, opt.Epoch, opt.LR, opt.WordNgrams = 10, 100, 0.5, 2
	opt.Threads, opt.Seed = 1, 1 // deterministic
	m, err := fasttext.Train(texts, labels, opt)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Labels())
	fmt.Println(m.Predict("the keeper scored", 1, 0)[0].Label)
	fmt.Println(m.Predict("the minister voted", 1, 0)[0].Label)
	// Output:
	// [politics sport]
	// sport
	// politics
}

func ExampleLoad() {
	m, err := fasttext.Load("testdata/tiny.ftz") // made by `fasttext quantize`
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Labels(), m.Info()["quantized"])
	for _, p := range m.Predict("w0_1 w0_2 the", 2, 0) {
		fmt.Printf("%s %.2f\n", p.Label, p.Prob)
	}
	// Output:
	// [lab1 lab0 lab2] true
	// lab0 0.94
	// lab2 0.04
}

func ExampleModel_Explain() {
	texts := []string{"good news today", "great good story", "bad fake story", "fake bad news"}
	labels := []string{"real", "real", "fake", "fake"}
	opt := fasttext.DefaultOptions()
	opt.Dim, opt.Epoch, opt.LR, opt.Threads = 8, 200, 0.5, 1
	m, _ := fasttext.Train(texts, labels, opt)
	e := m.Explain([]byte("good fake story"))
	for _, t := range e.Tokens {
		// the push of each token toward "real" rather than "fake"
		fmt.Printf("%-5s %s\n", t.Token, strings.Repeat("+", max(0, int(10*(t.Contribution[0]-t.Contribution[1])))))
	}
}
